-- fraud_subscriber_events (view): all the subscriber-keyed fraud rules read, and no more
-- (rules/fraud.yaml; jobs/fraud_detection.py): outgoing final legs with their rated price, and
-- outgoing STARTs and INTERIMs of calls still running (CONCURRENT_CALLS counts open calls;
-- HIGH_RISK_DESTINATION counts a call at its START; LONG_CALL and RUNNING_COST watch a call
-- while it runs). A running call's price of an hour (hourly_cost) is RATE_LEG's for an hour
-- answered at set-up, under the plan in force: RUNNING_COST is that rate × the time elapsed.
-- Times cross as epoch milliseconds (seen_ms: when an INTERIM was written, set-up + its
-- duration so far), money as exact text; incoming legs never reach Python. call_type and
-- metric_destination only travel with an alert (the minute metrics count alerts by them).
-- Feeds: the fraud detection keyed by subscriber.
CREATE TEMPORARY VIEW fraud_subscriber_events AS
SELECT record_id, call_id, subscriber_id, 'STOP' AS record_type, call_direction AS direction,
       epoch_millis(start_time) AS start_ms, epoch_millis(end_time) AS end_ms, answered,
       calling_number AS own_number, called_number AS remote_number, calling_country AS home_country,
       called_destination AS remote_country, CAST(amount AS STRING) AS amount, linked_id,
       call_type, COALESCE(called_destination, 'ZZ') AS metric_destination,
       epoch_millis(answer_time) AS answer_ms, CAST(NULL AS BIGINT) AS seen_ms,
       CAST(NULL AS STRING) AS hourly_cost
FROM cdr_rated
WHERE call_direction = 'MOBILE_ORIGINATED'
UNION ALL
SELECT v.record_id, v.call_id, v.subscriber_id, v.record_type, v.call_direction, epoch_millis(v.start_time),
       CAST(NULL AS BIGINT), FALSE, v.calling_number, v.called_number, v.calling_country, v.called_destination,
       CAST(NULL AS STRING), v.linked_id, v.call_type, COALESCE(v.called_destination, 'ZZ'),
       epoch_millis(v.answer_time),
       CASE WHEN v.record_type = 'INTERIM'
            THEN epoch_millis(v.start_time) + CAST(ROUND(v.duration_s * 1000) AS BIGINT) END,
       CAST(r.amount AS STRING)
FROM cdr_valid AS v
CROSS JOIN LATERAL TABLE(rate_leg(v.subscriber_id, v.called_number, v.calling_country, v.call_direction,
  v.start_time, v.start_time, CAST(3600 AS BIGINT))) AS r
WHERE v.record_type IN ('START', 'INTERIM') AND v.call_direction = 'MOBILE_ORIGINATED'
