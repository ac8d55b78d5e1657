-- metric_events (view): what the minute metrics count: each final leg (leg = 1) with its
-- answer, talk seconds and price (in its plan's currency), and each fraud alert raised (leg = 0;
-- not the route alarms, which share fraud_detected)
-- under the destination, direction and call type of the record that triggered it (no currency).
-- Grain: one row per final leg or alert.
CREATE TEMPORARY VIEW metric_events AS
SELECT event_time, COALESCE(called_destination, 'ZZ') AS destination_country, call_direction AS direction,
       call_type, currency, 1 AS leg, answered, talk_seconds, amount
FROM cdr_rated
UNION ALL
SELECT event_time, destination_country, direction, call_type, CAST(NULL AS STRING), 0, FALSE, CAST(0 AS BIGINT),
       CAST(0 AS DECIMAL(18, 6))
FROM fraud_detected
WHERE rule NOT LIKE 'ROUTE!_%' ESCAPE '!'
