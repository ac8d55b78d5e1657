-- route_quality_hourly (replay): per-hour route quality, written by Flink as Parquet (zstd) under
-- DIR/route_quality_hourly/.
CREATE TEMPORARY TABLE route_quality_hourly WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/route_quality_hourly',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
) LIKE route_quality_hourly_columns (EXCLUDING OPTIONS)
