-- route_causes_${grain}ly: per ${grain} (event time, UTC) and route — destination country, trunk,
-- direction — the final legs ending with each Q.850 hangup cause (-1: none recorded). Tumbling
-- window of one ${grain} over route_events; rendered per grain (minute, hour).
-- Grain: one row per ${grain}, route and cause.
-- Feeds: route_causes_${grain}ly (DynamoDB table in streaming, DIR/route_causes_${grain}ly/ in replay).
INSERT INTO route_causes_${grain}ly
SELECT window_start, CONCAT_WS('|', destination_country, trunk, direction, CAST(hangup_cause AS STRING)),
       destination_country, trunk, direction, hangup_cause, COUNT(*),
       epoch_millis(CAST(window_start AS TIMESTAMP_LTZ(3))) / 1000 + 35 * 86400
FROM TABLE(TUMBLE(TABLE route_events, DESCRIPTOR(event_time), INTERVAL '1' ${grain}))
GROUP BY window_start, window_end, destination_country, trunk, direction, hangup_cause
