-- usage_hourly_baseline (blackhole): discards the baseline's result; only its speed counts.
CREATE TEMPORARY TABLE usage_hourly_baseline (
  subscriber_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), calls BIGINT,
  answered_calls BIGINT, data_bytes BIGINT
) WITH ('connector' = 'blackhole')
