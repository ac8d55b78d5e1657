-- pipeline_minutely (DynamoDB ${pipeline_minutely_table}): the pipeline's own health per
-- minute, upserted by minute_start (a running count while the minute is read).
-- Flushed 200 ms after a write: the operations dashboard shows it within ~1.7 s.
CREATE TEMPORARY TABLE pipeline_minutely (
  PRIMARY KEY (minute_start) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${pipeline_minutely_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}',
  'sink.flush-buffer.timeout' = '200'
) LIKE pipeline_minutely_columns (EXCLUDING OPTIONS)
