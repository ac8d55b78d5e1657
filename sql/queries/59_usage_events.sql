-- usage_events (view): what usage_hourly counts — every final leg, and once per subscriber
-- each logical call it took part in: a one-leg call on its leg's own row (counts_call), a
-- multi-leg call as one row per participant (multi_leg_calls), so usage shows legs and calls
-- side by side without counting a transferred or conferenced call twice.
-- Grain: one row per leg, or per (multi-leg call, participant).
CREATE TEMPORARY VIEW usage_events AS
SELECT subscriber_id, TRUE AS is_leg, linked_id = call_id AS counts_call, start_time, end_time, answered,
       talk_seconds, call_direction, call_type, bytes_sent, bytes_received, event_time
FROM cdr_final
UNION ALL
SELECT p.subscriber_id, FALSE, TRUE, CAST(NULL AS TIMESTAMP_LTZ(3)), CAST(NULL AS TIMESTAMP_LTZ(3)), c.answered, 0,
       CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), c.event_time
FROM multi_leg_calls AS c
CROSS JOIN UNNEST(JSON_QUERY(c.participants, '$' RETURNING ARRAY<STRING>)) AS p (subscriber_id)
