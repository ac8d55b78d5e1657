-- route_alarm_windows (view): what the route alarms judge (domain/route_alarms.py) — per
-- route (destination country, trunk, direction) and ${route_alarm_window_minutes}-minute window
-- (event time, UTC; its bounds in epoch ms, as times cross into Python), the counts over its final legs (route_events): attempts, answered,
-- effective (NER), legs that rang and their PDD total (ms), legs with a MOS and those below 3.5.
-- Sums, not ratios: the baseline weighs each window by its calls.
-- Grain: one row per route and window with at least one leg.
-- Read by: the route alarms (jobs/route_alarms.py), whose alarms join fraud_detected.
CREATE TEMPORARY VIEW route_alarm_windows AS
SELECT
  epoch_millis(CAST(window_start AS TIMESTAMP_LTZ(3))) AS window_start_ms,
  epoch_millis(CAST(window_end AS TIMESTAMP_LTZ(3))) AS window_end_ms,
  window_time AS event_time,
  destination_country,
  trunk,
  direction,
  COUNT(*) AS attempts,
  SUM(CASE WHEN answered THEN 1 ELSE 0 END) AS answered,
  SUM(CASE WHEN effective THEN 1 ELSE 0 END) AS effective,
  COUNT(pdd_ms) AS rang,
  COALESCE(SUM(pdd_ms), 0) AS pdd_total_ms,
  COUNT(qos_mos) AS with_mos,
  SUM(CASE WHEN qos_mos < 3.5 THEN 1 ELSE 0 END) AS poor_mos
FROM TABLE(TUMBLE(TABLE route_events, DESCRIPTOR(event_time), INTERVAL '${route_alarm_window_minutes}' MINUTE))
GROUP BY window_start, window_end, window_time, destination_country, trunk, direction
