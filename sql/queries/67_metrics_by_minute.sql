-- metrics_by_minute (view): per minute (event time, UTC) and per destination country (as the
-- PBX saw it; 'ZZ' when unknown), direction and call type, over final legs: attempts,
-- answered calls, talk seconds and revenue (DECIMAL). ASR and ACD are derived from these
-- where they are written (udfs/metrics.py). 1 min tumbling window.
-- Feeds: Timestream (streaming, when CdrMetrics.enabled), DIR/metrics_minutely/ (replay).
CREATE TEMPORARY VIEW metrics_by_minute AS
SELECT
  window_start AS minute_start,
  COALESCE(called_destination, 'ZZ') AS destination_country,
  call_direction AS direction,
  call_type,
  COUNT(*) AS attempts,
  COUNT(*) FILTER (WHERE answered) AS answered,
  SUM(talk_seconds) AS talk_seconds,
  CAST(SUM(amount) AS DECIMAL(20, 6)) AS revenue
FROM TABLE(TUMBLE(TABLE cdr_rated, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, COALESCE(called_destination, 'ZZ'), call_direction, call_type
