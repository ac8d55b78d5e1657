-- rating_errors (replay): staged as JSON Lines and turned into Parquet under DIR/rating_errors/ when the
-- replay ends (money as decimal).
CREATE TEMPORARY TABLE rating_errors WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/rating_errors',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.encode.decimal-as-plain-number' = 'true'
) LIKE rating_errors_columns (EXCLUDING OPTIONS)
