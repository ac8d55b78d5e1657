-- route_quality_minutely (DynamoDB ${route_quality_minutely_table}): call quality per minute and route (country, trunk, direction) for the
-- operations dashboard's quality panel, upserted by (minute_start, dimensions); minute_start is
-- ISO 8601 UTC text. Flushed 200 ms after a write.
CREATE TEMPORARY TABLE route_quality_minutely (
  PRIMARY KEY (minute_start, dimensions) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${route_quality_minutely_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}',
  'sink.flush-buffer.timeout' = '200'
) LIKE route_quality_minutely_columns (EXCLUDING OPTIONS)
