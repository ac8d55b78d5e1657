-- route_causes_minutely (replay): per-minute route hangup causes, written by Flink as Parquet
-- (zstd) under DIR/route_causes_minutely/.
CREATE TEMPORARY TABLE route_causes_minutely WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/route_causes_minutely',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
) LIKE route_causes_minutely_columns (EXCLUDING OPTIONS)
