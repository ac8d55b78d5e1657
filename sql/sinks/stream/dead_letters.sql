-- dead_letters (DynamoDB ${dead_letters_table}): rejected records keyed by their place in the
-- stream (shard, sequence number), so a retry of the same put never duplicates one. Flushed
-- 200 ms after a write: the operations dashboard shows it within ~1.7 s.
CREATE TEMPORARY TABLE dead_letters (
  PRIMARY KEY (source_partition, source_offset) NOT ENFORCED
) WITH (
  'connector' = 'dynamodb',
  'table-name' = '${dead_letters_table}',
  'aws.region' = '${sink_region}',
  'aws.endpoint' = '${dynamodb_endpoint}',
  'sink.flush-buffer.timeout' = '200'
) LIKE dead_letters_columns (EXCLUDING OPTIONS)
