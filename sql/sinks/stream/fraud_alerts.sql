-- fraud_alerts (DynamoDB ${fraud_alerts_table}): upserted by alert_id, so an escalation or a
-- replayed alert overwrites its item; evidence_call_ids as a list. Flushed 10 ms after an alert
-- (alerts are few, and every second counts against a fraud in progress).
CREATE TEMPORARY TABLE fraud_alerts (
  PRIMARY KEY (alert_id) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${fraud_alerts_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}',
  'sink.flush-buffer.timeout' = '10'
) LIKE fraud_alerts_columns (EXCLUDING OPTIONS)
