-- metrics_minutely (replay): per-minute metrics, staged as JSON Lines and turned into Parquet
-- under DIR/metrics_minutely/ when the replay ends.
CREATE TEMPORARY TABLE metrics_minutely WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/metrics_minutely',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.encode.decimal-as-plain-number' = 'true'
) LIKE metrics_minutely_columns (EXCLUDING OPTIONS)
