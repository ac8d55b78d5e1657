-- billing_monthly_columns: the columns of the monthly bill, written once; each profile's sink
-- takes them with LIKE. Grain: one row per subscriber, calendar month (UTC, 'yyyy-MM') and
-- currency (a subscriber whose plan changed currency within a month has a bill in each);
-- month_currency ('yyyy-MM/EUR') is the bill's key within the subscriber.
CREATE TEMPORARY TABLE billing_monthly_columns (
  subscriber_id STRING NOT NULL,
  month_currency STRING NOT NULL,
  bill_month STRING NOT NULL,
  currency STRING NOT NULL,
  calls BIGINT,
  answered_calls BIGINT,
  talk_seconds BIGINT,
  billable_seconds BIGINT,
  amount DECIMAL(20, 6),
  tax DECIMAL(20, 6),
  total DECIMAL(20, 6),
  voice_calls BIGINT,
  voice_amount DECIMAL(20, 6),
  video_calls BIGINT,
  video_amount DECIMAL(20, 6),
  conference_calls BIGINT,
  conference_amount DECIMAL(20, 6)
) WITH ('connector' = 'blackhole')
