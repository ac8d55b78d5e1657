-- metrics_minutely: the per-minute metrics as a table (replay; streaming writes them to
-- Timestream from Python instead, see jobs/metrics_sink.py).
-- Feeds: metrics_minutely (DIR/metrics_minutely/ in replay).
INSERT INTO metrics_minutely
SELECT minute_start, destination_country, direction, call_type, attempts, answered, talk_seconds, revenue,
       fraud_alerts
FROM metrics_by_minute
