-- usage_hourly (replay): hourly usage per subscriber, staged as JSON Lines and turned into
-- Parquet under DIR/usage_hourly/ when the replay ends.
CREATE TEMPORARY TABLE usage_hourly WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/usage_hourly',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601'
) LIKE usage_hourly_columns (EXCLUDING OPTIONS)
