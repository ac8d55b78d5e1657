-- metrics_minutely_columns: the columns of the metrics_minutely result, written once. Per
-- minute (UTC) and destination country, direction and call type: attempts, answered legs, talk
-- seconds, revenue and fraud alerts; dimensions = 'country|direction|call type' (the DynamoDB
-- sort key); expires_at: epoch seconds when the item may go (DynamoDB TTL, 35 days on).
-- Grain: one row per minute and dimensions.
CREATE TEMPORARY TABLE metrics_minutely_columns (
  minute_start TIMESTAMP(3) NOT NULL,
  dimensions STRING NOT NULL,
  destination_country STRING,
  direction STRING,
  call_type STRING,
  attempts BIGINT,
  answered BIGINT,
  talk_seconds BIGINT,
  revenue DECIMAL(20, 6),
  fraud_alerts BIGINT,
  expires_at BIGINT
) WITH ('connector' = 'blackhole')
