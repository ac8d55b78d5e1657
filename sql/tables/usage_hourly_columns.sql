-- usage_hourly_columns: the columns of the usage_hourly result, written once; each profile's
-- sink (sinks/<profile>/usage_hourly.sql) takes them with LIKE and adds its connector.
-- Grain: one row per subscriber and hour (UTC). calls..conference_calls count legs;
-- logical_calls counts each call (linkedId) the subscriber took part in once. spend is in
-- spend_currency (the plans' currency of the hour's priced legs); spend_currency is NULL when
-- the hour's legs were priced in two currencies (a plan change within the hour): spend then
-- adds different currencies and is no figure of its own (the bills keep them apart).
CREATE TEMPORARY TABLE usage_hourly_columns (
  subscriber_id STRING NOT NULL,
  window_start TIMESTAMP(3) NOT NULL,
  window_end TIMESTAMP(3),
  calls BIGINT,
  answered_calls BIGINT,
  duration_seconds BIGINT,
  talk_seconds BIGINT,
  mo_calls BIGINT,
  mt_calls BIGINT,
  voice_calls BIGINT,
  video_calls BIGINT,
  conference_calls BIGINT,
  bytes_sent BIGINT,
  bytes_received BIGINT,
  logical_calls BIGINT,
  answered_logical_calls BIGINT,
  spend DECIMAL(20, 6),
  spend_currency STRING
) WITH ('connector' = 'blackhole')
