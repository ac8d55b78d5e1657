-- rating_errors (replay): written by Flink as Parquet (zstd) under DIR/rating_errors/ (money as
-- decimal).
CREATE TEMPORARY TABLE rating_errors WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/rating_errors',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
) LIKE rating_errors_columns (EXCLUDING OPTIONS)
