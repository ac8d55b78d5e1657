-- fraud_blocks (DynamoDB ${fraud_blocks_table}): the block list the PBX reads, upserted by
-- target; flushed 10 ms after a block, as the alerts are (every second of a fraud costs).
CREATE TEMPORARY TABLE fraud_blocks (
  PRIMARY KEY (target) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${fraud_blocks_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}',
  'sink.flush-buffer.timeout' = '10'
) LIKE fraud_blocks_columns (EXCLUDING OPTIONS)
