-- usage_hourly (replay): hourly usage per subscriber, written by Flink as Parquet (zstd) under
-- DIR/usage_hourly/.
CREATE TEMPORARY TABLE usage_hourly WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/usage_hourly',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
) LIKE usage_hourly_columns (EXCLUDING OPTIONS)
