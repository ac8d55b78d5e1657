-- logical_calls (replay): staged as JSON Lines and turned into Parquet under DIR/logical_calls/
-- when the replay ends (one row per linked_id, its latest summary).
CREATE TEMPORARY TABLE logical_calls WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/logical_calls',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.encode.decimal-as-plain-number' = 'true'
) LIKE logical_calls_columns (EXCLUDING OPTIONS)
