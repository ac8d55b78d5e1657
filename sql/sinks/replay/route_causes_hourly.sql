-- route_causes_hourly (replay): per-hour route hangup causes, staged as JSON Lines and turned into Parquet
-- under DIR/route_causes_hourly/ when the replay ends.
CREATE TEMPORARY TABLE route_causes_hourly WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/route_causes_hourly',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.encode.decimal-as-plain-number' = 'true'
) LIKE route_causes_hourly_columns (EXCLUDING OPTIONS)
