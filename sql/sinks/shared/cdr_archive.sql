-- cdr_archive: the immutable raw CDR archive, Parquet (zstd) under ${archive_path}
-- (s3://bucket/prefix in streaming; DIR/cdr_archive/ in replay with --archive), partitioned
-- dt=YYYY-MM-DD/hour=HH. Files are committed when a checkpoint completes (exactly once: a
-- restart from a checkpoint neither loses nor repeats a row), rolled at 128 MB or 15 min; a
-- partition gets its _SUCCESS file once the watermark passes its hour plus 1 h.
-- Timestamps are written as INT64 milliseconds (UTC), which Athena, Spark and pyarrow read alike.
CREATE TEMPORARY TABLE cdr_archive
PARTITIONED BY (dt, `hour`)
WITH (
  'connector' = 'filesystem',
  'path' = '${archive_path}',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true',
  'sink.rolling-policy.file-size' = '128MB',
  'sink.rolling-policy.rollover-interval' = '15 min',
  'partition.time-extractor.timestamp-pattern' = '$dt $hour:00:00',
  'sink.partition-commit.trigger' = 'partition-time',
  'sink.partition-commit.delay' = '1 h',
  'sink.partition-commit.watermark-time-zone' = 'UTC',
  'sink.partition-commit.policy.kind' = 'success-file'
) LIKE cdr_archive_columns (EXCLUDING OPTIONS)
