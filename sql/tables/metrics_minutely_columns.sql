-- metrics_minutely_columns: the columns of the metrics_minutely result, written once. Per
-- minute (UTC) and destination country, direction, call type and currency: attempts, answered
-- legs, talk seconds, revenue (in currency) and fraud alerts; a row counting only fraud alerts
-- has no currency. dimensions = 'country|direction|call type|currency' (the DynamoDB sort key;
-- 'country|direction|call type' for a fraud-only row); expires_at: epoch seconds when the item may go (DynamoDB TTL, 35 days on).
-- Grain: one row per minute and dimensions.
CREATE TEMPORARY TABLE metrics_minutely_columns (
  minute_start TIMESTAMP(3) NOT NULL,
  dimensions STRING NOT NULL,
  destination_country STRING,
  direction STRING,
  call_type STRING,
  currency STRING,
  attempts BIGINT,
  answered BIGINT,
  talk_seconds BIGINT,
  revenue DECIMAL(20, 6),
  fraud_alerts BIGINT,
  expires_at BIGINT
) WITH ('connector' = 'blackhole')
