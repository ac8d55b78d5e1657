-- rating_errors (DynamoDB ${rating_errors_table}): call legs that could not be priced, by
-- record_id (one item per leg, whatever the retries).
CREATE TEMPORARY TABLE rating_errors (
  PRIMARY KEY (record_id) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${rating_errors_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}'
) LIKE rating_errors_columns (EXCLUDING OPTIONS)
