-- route_quality_hourly (replay): per-hour route quality, staged as JSON Lines and turned into Parquet
-- under DIR/route_quality_hourly/ when the replay ends.
CREATE TEMPORARY TABLE route_quality_hourly WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/route_quality_hourly',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.encode.decimal-as-plain-number' = 'true'
) LIKE route_quality_hourly_columns (EXCLUDING OPTIONS)
