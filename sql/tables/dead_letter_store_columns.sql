-- dead_letter_store_columns: the columns of the S3 dead-letter store, written once. Every
-- record the job could not use, whole: rejected records (not JSON, schema violations, ...)
-- and valid final legs that could not be priced (UNRATED_DESTINATION; record_id set, fixed by
-- rerating rather than re-injection). source_partition/source_offset: Kinesis shard and
-- sequence number. Partition dt: the UTC date the job received it.
-- Grain: one row per dead letter.
CREATE TEMPORARY TABLE dead_letter_store_columns (
  raw_record STRING,
  reason STRING,
  detail STRING,
  record_id STRING,
  source_stream STRING,
  source_partition STRING,
  source_offset STRING,
  ingest_time TIMESTAMP_LTZ(3),
  dt STRING
) WITH ('connector' = 'blackhole')
