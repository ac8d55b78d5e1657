-- cdr_raw from files, for bench.streaming_capacity --sources files: the streaming job's source
-- (sql/sources/stream/cdr_raw.sql) replaced by the JSON Lines files at ${capacity_input}, read
-- once in streaming mode, so the job's capacity is measured without the Kinesis source and the
-- Kinesis emulator beside it. The bench fills ${capacity_input} into a copy of sql/.
-- A file has no sequence numbers: a dead letter is keyed by its file and its line's MD5.
-- Event time: a valid record's endTime, else its startTime; watermark ${watermark_lateness_s} s behind the newest.
CREATE TEMPORARY TABLE cdr_raw (
  line STRING,
  source_partition STRING METADATA FROM 'file.path' VIRTUAL,
  source_offset AS MD5(line),
  arrival_time AS CAST(NULL AS TIMESTAMP_LTZ(3)),
  event_time AS cdr_event_time(line),
  ingest_time AS PROCTIME(),
  WATERMARK FOR event_time AS event_time - INTERVAL '${watermark_lateness_s}' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = '${capacity_input}',
  'format' = 'raw',
  'raw.charset' = 'UTF-8'
)
