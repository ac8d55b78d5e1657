-- cdr_raw: every record of the CDR Kinesis stream as its raw text, with its shard and
-- sequence number (so a dead letter can be traced and re-read), and when it arrived on the
-- stream (Kinesis' approximate arrival timestamp: how far behind the job is).
-- Event time: a valid record's endTime, else its startTime; watermark ${watermark_lateness_s} s behind the newest.
-- A shard stops holding it back once caught up for ${source_idle_timeout} (never while it has a backlog).
CREATE TEMPORARY TABLE cdr_raw (
  line STRING,
  source_partition STRING METADATA FROM 'shard-id' VIRTUAL,
  source_offset STRING METADATA FROM 'sequence-number' VIRTUAL,
  arrival_time TIMESTAMP_LTZ(3) METADATA FROM 'arrival-time' VIRTUAL,
  event_time AS cdr_event_time(line),
  ingest_time AS PROCTIME(),
  WATERMARK FOR event_time AS event_time - INTERVAL '${watermark_lateness_s}' SECOND
) WITH (
  'connector' = 'kinesis',
  'stream.arn' = '${stream_arn}',
  'aws.region' = '${aws_region}',
  'aws.endpoint' = '${kinesis_endpoint}',
  'source.init.position' = '${init_position}',
  'source.init.timestamp' = '${init_timestamp}',
  'source.bounded' = '${source_bounded}',
  'source.shard.idle-timeout' = '${source_idle_timeout}',
  'source.reader.empty-records-fetch-interval' = '${source_empty_fetch_interval}',
  'format' = 'raw'
)
