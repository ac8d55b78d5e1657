-- usage_hourly (DynamoDB ${usage_hourly_table}): hourly usage per subscriber, upserted by
-- (subscriber_id, window_start); window_start is stored as ISO 8601 UTC text, so it sorts.
-- Flushed 200 ms after a write: the operations dashboard shows it within ~1.7 s.
CREATE TEMPORARY TABLE usage_hourly (
  PRIMARY KEY (subscriber_id, window_start) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${usage_hourly_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}',
  'sink.flush-buffer.timeout' = '200'
) LIKE usage_hourly_columns (EXCLUDING OPTIONS)
