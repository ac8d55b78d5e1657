-- route_quality_minutely (replay): per-minute route quality, written by Flink as Parquet (zstd)
-- under DIR/route_quality_minutely/.
CREATE TEMPORARY TABLE route_quality_minutely WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/route_quality_minutely',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
) LIKE route_quality_minutely_columns (EXCLUDING OPTIONS)
