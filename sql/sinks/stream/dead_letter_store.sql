-- dead_letter_store: every dead letter, whole, as Parquet (zstd) under ${dead_letter_store_path}
-- (s3://bucket/dead-letters), partitioned dt=YYYY-MM-DD; committed on checkpoints like the
-- archive. Listed, counted and re-injected by `python -m ops.dead_letters`.
CREATE TEMPORARY TABLE dead_letter_store
PARTITIONED BY (dt)
WITH (
  'connector' = 'filesystem',
  'path' = '${dead_letter_store_path}',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true',
  'sink.rolling-policy.file-size' = '128MB',
  'sink.rolling-policy.rollover-interval' = '15 min'
) LIKE dead_letter_store_columns (EXCLUDING OPTIONS)
