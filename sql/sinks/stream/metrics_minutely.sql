-- metrics_minutely (DynamoDB ${metrics_minutely_table}): per-minute metrics for the operations
-- dashboard, upserted by (minute_start, dimensions); minute_start is ISO 8601 UTC text. (The
-- same figures go to Timestream when CdrMetrics.enabled, for QuickSight.)
-- Flushed 200 ms after a write: the operations dashboard shows it within ~1.7 s.
CREATE TEMPORARY TABLE metrics_minutely (
  PRIMARY KEY (minute_start, dimensions) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${metrics_minutely_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}',
  'sink.flush-buffer.timeout' = '200'
) LIKE metrics_minutely_columns (EXCLUDING OPTIONS)
