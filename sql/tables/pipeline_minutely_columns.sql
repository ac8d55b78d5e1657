-- pipeline_minutely_columns: the columns of the pipeline_minutely result, written once. Per
-- minute (UTC, ISO 8601 text) in which records were read: records in (valid and rejected),
-- rejected, and the longest a record of that minute had waited on the stream before it was
-- parsed (ms; NULL in a replay); expires_at: epoch seconds (DynamoDB TTL, 35 days on).
-- Grain: one row per minute.
CREATE TEMPORARY TABLE pipeline_minutely_columns (
  minute_start STRING NOT NULL,
  records_in BIGINT,
  rejected BIGINT,
  max_lag_ms BIGINT,
  expires_at BIGINT
) WITH ('connector' = 'blackhole')
