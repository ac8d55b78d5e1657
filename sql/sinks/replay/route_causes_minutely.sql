-- route_causes_minutely (replay): per-minute route hangup causes, staged as JSON Lines and turned into Parquet
-- under DIR/route_causes_minutely/ when the replay ends.
CREATE TEMPORARY TABLE route_causes_minutely WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/route_causes_minutely',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.encode.decimal-as-plain-number' = 'true'
) LIKE route_causes_minutely_columns (EXCLUDING OPTIONS)
