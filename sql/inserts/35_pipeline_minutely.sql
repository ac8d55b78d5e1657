-- pipeline_minutely: the pipeline's own health per minute in which it read records (UTC,
-- processing time): records in, valid or not (cdr_parsed, before any deduplication), how many
-- were rejected, and how far behind the stream it was — the longest wait of a record of that
-- minute between its arrival on Kinesis and its parse (NULL in a replay). A running count per
-- minute, its state kept as long as the job's deduplication state.
-- Feeds: pipeline_minutely (DynamoDB table in streaming, DIR/pipeline_minutely/ in replay).
INSERT INTO pipeline_minutely
SELECT minute_start, COUNT(*), COUNT(*) FILTER (WHERE reject_reason IS NOT NULL), MAX(lag_ms),
       MAX(expires_s)
FROM (
  SELECT DATE_FORMAT(CAST(ingest_time AS TIMESTAMP_LTZ(3)), 'yyyy-MM-dd''T''HH:mm:00') AS minute_start,
         reject_reason,
         epoch_millis(CAST(ingest_time AS TIMESTAMP_LTZ(3))) - epoch_millis(arrival_time) AS lag_ms,
         epoch_millis(CAST(ingest_time AS TIMESTAMP_LTZ(3))) / 1000 + 35 * 86400 AS expires_s
  FROM cdr_parsed
)
GROUP BY minute_start
