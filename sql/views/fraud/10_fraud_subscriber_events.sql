-- fraud_subscriber_events (view): all the subscriber-keyed fraud rules read, and no more
-- (rules/fraud.yaml; jobs/fraud_detection.py): outgoing final legs with their rated price, and
-- outgoing STARTs (calls still open count for CONCURRENT_CALLS). Times cross as epoch
-- milliseconds, money as exact text; incoming legs never reach Python. call_type and
-- metric_destination only travel with an alert (the minute metrics count alerts by them).
-- Feeds: the fraud detection keyed by subscriber.
CREATE TEMPORARY VIEW fraud_subscriber_events AS
SELECT record_id, call_id, subscriber_id, 'STOP' AS record_type, call_direction AS direction,
       epoch_millis(start_time) AS start_ms, epoch_millis(end_time) AS end_ms, answered,
       calling_number AS own_number, called_number AS remote_number, calling_country AS home_country,
       called_destination AS remote_country, CAST(amount AS STRING) AS amount, linked_id,
       call_type, COALESCE(called_destination, 'ZZ') AS metric_destination
FROM cdr_rated
WHERE call_direction = 'MOBILE_ORIGINATED'
UNION ALL
SELECT record_id, call_id, subscriber_id, 'START', call_direction, epoch_millis(start_time), CAST(NULL AS BIGINT),
       FALSE, calling_number, called_number, calling_country, called_destination, CAST(NULL AS STRING), linked_id,
       call_type, COALESCE(called_destination, 'ZZ')
FROM cdr_valid
WHERE record_type = 'START' AND call_direction = 'MOBILE_ORIGINATED'
