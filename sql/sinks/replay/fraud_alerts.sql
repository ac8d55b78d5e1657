-- fraud_alerts (replay): staged as JSON Lines and turned into Parquet under DIR/fraud_alerts/
-- when the replay ends.
CREATE TEMPORARY TABLE fraud_alerts WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/fraud_alerts',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.encode.decimal-as-plain-number' = 'true'
) LIKE fraud_alerts_columns (EXCLUDING OPTIONS)
