-- usage_hourly (DynamoDB ${usage_hourly_table}): hourly usage per subscriber, upserted by
-- (subscriber_id, window_start); window_start is stored as ISO 8601 UTC text, so it sorts.
CREATE TEMPORARY TABLE usage_hourly (
  PRIMARY KEY (subscriber_id, window_start) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${usage_hourly_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}'
) LIKE usage_hourly_columns (EXCLUDING OPTIONS)
