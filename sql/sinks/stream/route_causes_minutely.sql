-- route_causes_minutely (DynamoDB ${route_causes_minutely_table}): legs per minute, route and Q.850 hangup cause for the
-- operations dashboard's quality panel, upserted by (minute_start, dimensions); minute_start is
-- ISO 8601 UTC text. Flushed 200 ms after a write.
CREATE TEMPORARY TABLE route_causes_minutely (
  PRIMARY KEY (minute_start, dimensions) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${route_causes_minutely_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}',
  'sink.flush-buffer.timeout' = '200'
) LIKE route_causes_minutely_columns (EXCLUDING OPTIONS)
