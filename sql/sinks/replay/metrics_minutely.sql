-- metrics_minutely (replay): per-minute metrics, staged as JSON Lines and turned into Parquet
-- under DIR/metrics_minutely/ when the replay ends.
CREATE TEMPORARY TABLE metrics_minutely (
  minute_start TIMESTAMP(3), destination_country STRING, direction STRING, call_type STRING,
  attempts BIGINT, answered BIGINT, talk_seconds BIGINT, revenue DECIMAL(20, 6), fraud_alerts BIGINT
) WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/metrics_minutely',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.encode.decimal-as-plain-number' = 'true'
)
