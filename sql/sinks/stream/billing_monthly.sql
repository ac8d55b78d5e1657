-- billing_monthly (DynamoDB ${billing_monthly_table}): the monthly bill per subscriber,
-- upserted by (subscriber_id, month_currency) as the month's running totals change.
CREATE TEMPORARY TABLE billing_monthly (
  PRIMARY KEY (subscriber_id, month_currency) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${billing_monthly_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}'
) LIKE billing_monthly_columns (EXCLUDING OPTIONS)
