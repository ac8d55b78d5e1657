-- pipeline_minutely (replay): records read per minute, written by Flink as Parquet (zstd) under
-- DIR/pipeline_minutely/.
CREATE TEMPORARY TABLE pipeline_minutely WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/pipeline_minutely',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
) LIKE pipeline_minutely_columns (EXCLUDING OPTIONS)
