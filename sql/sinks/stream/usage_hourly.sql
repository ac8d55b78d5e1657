-- usage_hourly (DynamoDB ${usage_hourly_table}): hourly usage per subscriber, upserted by
-- (subscriber_id, window_start); window_start is stored as ISO 8601 UTC text, so it sorts.
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
  bytes_received BIGINT,
  PRIMARY KEY (subscriber_id, window_start) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${usage_hourly_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}'
)
