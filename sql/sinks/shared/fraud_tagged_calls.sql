-- fraud_tagged_calls: the alerted CDRs as Parquet (zstd) under ${fraud_tagged_path}
-- (s3://bucket/fraud-tagged in streaming, DIR/fraud_tagged_calls/ in replay), partitioned
-- dt=YYYY-MM-DD of detection; committed on checkpoints like the archive, beside which it sits.
CREATE TEMPORARY TABLE fraud_tagged_calls
PARTITIONED BY (dt)
WITH (
  'connector' = 'filesystem',
  'path' = '${fraud_tagged_path}',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true',
  'sink.rolling-policy.file-size' = '128MB',
  'sink.rolling-policy.rollover-interval' = '15 min'
) LIKE fraud_tagged_calls_columns (EXCLUDING OPTIONS)
