-- logical_calls (DynamoDB ${logical_calls_table}): upserted by linked_id, so a late leg's
-- second summary of a call replaces the first.
CREATE TEMPORARY TABLE logical_calls (
  PRIMARY KEY (linked_id) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${logical_calls_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}'
) LIKE logical_calls_columns (EXCLUDING OPTIONS)
