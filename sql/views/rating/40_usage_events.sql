-- usage_events (view): what usage_hourly counts — every final leg, and once per subscriber
-- each logical call it took part in: a one-leg call on its leg's own row, a multi-leg call as
-- a row per subscriber it counts for the first time (new_participants: a call emitted again
-- for a late leg counts only who was not on it before) and per subscriber for whom it has now
-- become answered (newly_answered). So usage shows legs and calls side by side, and no
-- transferred or conferenced call twice. A leg carries its rated amount (0 when unrated) and
-- the currency of that amount (NULL when unrated).
-- amount: what the leg's own subscriber spent on it (the bill may put a redirected leg on
-- another's, see cdr_billed).
-- Grain: one row per leg, or per (multi-leg call emission, subscriber).
CREATE TEMPORARY VIEW usage_events AS
SELECT subscriber_id, TRUE AS is_leg, CASE WHEN linked_id IS NULL THEN 1 ELSE 0 END AS call_count,
       CASE WHEN linked_id IS NULL AND answered THEN 1 ELSE 0 END AS answered_call_count, start_time, end_time,
       answered, talk_seconds, call_direction, call_type, bytes_sent, bytes_received,
       CASE WHEN rating_error IS NULL THEN amount ELSE 0 END AS amount,
       CASE WHEN rating_error IS NULL THEN currency END AS currency, event_time
FROM cdr_rated
UNION ALL
SELECT p.subscriber_id, FALSE, 1, CASE WHEN c.answered THEN 1 ELSE 0 END, CAST(NULL AS TIMESTAMP_LTZ(3)),
       CAST(NULL AS TIMESTAMP_LTZ(3)), c.answered, 0, CAST(NULL AS STRING), CAST(NULL AS STRING),
       CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(0 AS DECIMAL(18, 6)), CAST(NULL AS STRING), c.event_time
FROM multi_leg_calls AS c
CROSS JOIN UNNEST(JSON_QUERY(c.new_participants, '$' RETURNING ARRAY<STRING>)) AS p (subscriber_id)
UNION ALL
SELECT p.subscriber_id, FALSE, 0, 1, CAST(NULL AS TIMESTAMP_LTZ(3)), CAST(NULL AS TIMESTAMP_LTZ(3)), TRUE, 0,
       CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT),
       CAST(0 AS DECIMAL(18, 6)), CAST(NULL AS STRING), c.event_time
FROM multi_leg_calls AS c
CROSS JOIN UNNEST(JSON_QUERY(c.newly_answered, '$' RETURNING ARRAY<STRING>)) AS p (subscriber_id)
