-- metrics_minutely: the per-minute metrics as a table, what the operations dashboard reads
-- (streaming also writes them to Timestream from Python when enabled, see jobs/metrics_sink.py).
-- Feeds: metrics_minutely (DynamoDB table in streaming, DIR/metrics_minutely/ in replay).
INSERT INTO metrics_minutely
SELECT minute_start, CONCAT_WS('|', destination_country, direction, call_type, currency), destination_country,
       direction, call_type, currency, attempts, answered, talk_seconds, revenue, fraud_alerts,
       epoch_millis(CAST(minute_start AS TIMESTAMP_LTZ(3))) / 1000 + 35 * 86400
FROM metrics_by_minute
