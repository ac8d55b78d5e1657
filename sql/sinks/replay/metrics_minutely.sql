-- metrics_minutely (replay): per-minute metrics, written by Flink as Parquet (zstd) under
-- DIR/metrics_minutely/.
CREATE TEMPORARY TABLE metrics_minutely WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/metrics_minutely',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
) LIKE metrics_minutely_columns (EXCLUDING OPTIONS)
