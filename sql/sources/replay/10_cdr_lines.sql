-- cdr_lines: every line of the replay's JSON Lines files (*.jsonl, *.json, *.ndjson, at
-- ${input_path} or in any folder under it) as its raw text, with its file. Files have no
-- arrival on a stream: arrival_time is NULL.
-- Event time: a valid record's endTime, else its startTime; watermark ${watermark_lateness_s} s behind the newest.
CREATE TEMPORARY TABLE cdr_lines (
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
  'source.path.regex-pattern' = '${lines_pattern}',
  'format' = 'raw',
  'raw.charset' = 'UTF-8'
)
