-- billing_monthly (replay): staged as JSON Lines and turned into Parquet under DIR/billing_monthly/ when the
-- replay ends (money as decimal).
CREATE TEMPORARY TABLE billing_monthly WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/billing_monthly',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.encode.decimal-as-plain-number' = 'true'
) LIKE billing_monthly_columns (EXCLUDING OPTIONS)
