-- route_quality_hourly (DynamoDB ${route_quality_hourly_table}): call quality per hour and route (country, trunk, direction),
-- for looks over days (the dashboard's panel reads the minutes), upserted by (hour_start,
-- dimensions); hour_start is ISO 8601 UTC text. Flushed 200 ms after a write.
CREATE TEMPORARY TABLE route_quality_hourly (
  PRIMARY KEY (hour_start, dimensions) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${route_quality_hourly_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}',
  'sink.flush-buffer.timeout' = '200'
) LIKE route_quality_hourly_columns (EXCLUDING OPTIONS)
