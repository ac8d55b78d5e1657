-- metrics_by_minute (view): per minute (event time, UTC) and per destination country (as the
-- PBX saw it; 'ZZ' when unknown), direction, call type and currency, over final legs: attempts,
-- answered calls, talk seconds and revenue (DECIMAL, in that currency); and the fraud alerts raised in that
-- minute, counted under the dimensions of the record that triggered them (fraud_detected: an
-- escalation to CRITICAL, or the same window after the cooldown, raises an alert again). ASR and ACD are derived from these where
-- they are written (domain/metrics.py). 1 min tumbling window.
-- Feeds: Timestream (streaming, when CdrMetrics.enabled), DIR/metrics_minutely/ (replay).
CREATE TEMPORARY VIEW metrics_by_minute AS
SELECT
  window_start AS minute_start,
  destination_country,
  direction,
  call_type,
  currency,
  SUM(leg) AS attempts,
  SUM(CASE WHEN answered THEN 1 ELSE 0 END) AS answered,
  SUM(talk_seconds) AS talk_seconds,
  CAST(SUM(amount) AS DECIMAL(20, 6)) AS revenue,
  SUM(1 - leg) AS fraud_alerts
FROM TABLE(TUMBLE(TABLE metric_events, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, destination_country, direction, call_type, currency
