-- route_causes_minutely: per minute (event time, UTC) and route — destination country, trunk,
-- direction — the final legs ending with each Q.850 hangup cause (-1: none recorded).
-- 1 min tumbling window over route_events.
-- Feeds: route_causes_minutely (DynamoDB table in streaming, DIR/route_causes_minutely/ in replay).
INSERT INTO route_causes_minutely
SELECT window_start, CONCAT_WS('|', destination_country, trunk, direction, CAST(hangup_cause AS STRING)),
       destination_country, trunk, direction, hangup_cause, COUNT(*),
       epoch_millis(CAST(window_start AS TIMESTAMP_LTZ(3))) / 1000 + 35 * 86400
FROM TABLE(TUMBLE(TABLE route_events, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, destination_country, trunk, direction, hangup_cause
