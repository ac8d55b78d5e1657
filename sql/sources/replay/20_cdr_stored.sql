-- cdr_stored: the records kept in the replay's Parquet files (*.parquet and Flink's part files,
-- which have no suffix, at ${input_path} or in any folder under it: the S3 archive, the
-- dead-letter store) as their raw text, which they keep in a `raw_record`, `raw` or `line`
-- column, with their file. A Parquet file without any of these columns is refused before the
-- replay starts (jobs/replay_io.py): its records could not be replayed as they arrived.
-- Event time: a valid record's endTime, else its startTime; watermark ${watermark_lateness_s} s behind the newest.
CREATE TEMPORARY TABLE cdr_stored (
  raw_record STRING,
  `raw` STRING,
  line STRING,
  source_partition STRING METADATA FROM 'file.path' VIRTUAL,
  event_time AS cdr_event_time(COALESCE(raw_record, `raw`, line)),
  ingest_time AS PROCTIME(),
  WATERMARK FOR event_time AS event_time - INTERVAL '${watermark_lateness_s}' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = '${input_path}',
  'source.path.regex-pattern' = '${stored_pattern}',
  'format' = 'parquet'
)
