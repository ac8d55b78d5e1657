-- route_causes_hourly (DynamoDB ${route_causes_hourly_table}): legs per hour, route and Q.850 hangup cause,
-- for looks over days (the dashboard's panel reads the minutes), upserted by (hour_start,
-- dimensions); hour_start is ISO 8601 UTC text. Flushed 200 ms after a write.
CREATE TEMPORARY TABLE route_causes_hourly (
  PRIMARY KEY (hour_start, dimensions) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${route_causes_hourly_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}',
  'sink.flush-buffer.timeout' = '200'
) LIKE route_causes_hourly_columns (EXCLUDING OPTIONS)
