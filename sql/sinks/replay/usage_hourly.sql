-- usage_hourly (replay): hourly usage per subscriber, staged as JSON Lines and turned into
-- Parquet under DIR/usage_hourly/ when the replay ends.
CREATE TEMPORARY TABLE usage_hourly (
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
  bytes_received BIGINT
) WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/usage_hourly',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.encode.decimal-as-plain-number' = 'true'
)
