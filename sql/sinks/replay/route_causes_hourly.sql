-- route_causes_hourly (replay): per-hour route hangup causes, written by Flink as Parquet (zstd)
-- under DIR/route_causes_hourly/.
CREATE TEMPORARY TABLE route_causes_hourly WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/route_causes_hourly',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
) LIKE route_causes_hourly_columns (EXCLUDING OPTIONS)
