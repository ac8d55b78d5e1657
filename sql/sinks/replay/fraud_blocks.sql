-- fraud_blocks (replay): the blocks the replayed alerts would have asked for, one row per
-- target, its latest (jobs/pipeline.LATEST_ROW), Parquet (zstd) under DIR/fraud_blocks/ (a
-- replay never writes the live block list).
CREATE TEMPORARY TABLE fraud_blocks WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/fraud_blocks',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
) LIKE fraud_blocks_columns (EXCLUDING OPTIONS)
