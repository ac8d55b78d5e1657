-- route_quality_minutely (replay): per-minute route quality, staged as JSON Lines and turned into Parquet
-- under DIR/route_quality_minutely/ when the replay ends.
CREATE TEMPORARY TABLE route_quality_minutely WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/route_quality_minutely',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.encode.decimal-as-plain-number' = 'true'
) LIKE route_quality_minutely_columns (EXCLUDING OPTIONS)
