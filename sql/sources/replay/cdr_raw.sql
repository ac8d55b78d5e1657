-- cdr_raw: every line of the replayed CDR files (JSON Lines) as its raw text, with its file
-- (files have no arrival on a stream: arrival_time is NULL).
-- Event time: a valid record's endTime, else its startTime; watermark ${watermark_lateness_s} s behind the newest.
CREATE TEMPORARY TABLE cdr_raw (
  line STRING,
  source_partition STRING METADATA FROM 'file.path' VIRTUAL,
  source_offset AS CAST(NULL AS STRING),
  arrival_time AS CAST(NULL AS TIMESTAMP_LTZ(3)),
  event_time AS cdr_event_time(line),
  ingest_time AS PROCTIME(),
  WATERMARK FOR event_time AS event_time - INTERVAL '${watermark_lateness_s}' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = '${input_path}',
  'format' = 'raw',
  'raw.charset' = 'UTF-8'
)
