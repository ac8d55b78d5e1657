-- fraud_remote_events (view): what WANGIRI reads, keyed by the other party's number: incoming
-- legs that rang at most ${wangiri_max_ring_ms} ms unanswered (a spray's "one ring"), and
-- outgoing legs abroad (a possible callback). The caller's country of an incoming leg is not
-- in the record: the rule reads it from the number.
-- Feeds: the fraud detection keyed by remote number.
CREATE TEMPORARY VIEW fraud_remote_events AS
SELECT record_id, call_id, subscriber_id, 'STOP' AS record_type, call_direction AS direction,
       epoch_millis(start_time) AS start_ms, epoch_millis(end_time) AS end_ms, answered,
       CASE WHEN call_direction = 'MOBILE_ORIGINATED' THEN calling_number ELSE called_number END AS own_number,
       CASE WHEN call_direction = 'MOBILE_ORIGINATED' THEN called_number ELSE calling_number END AS remote_number,
       calling_country AS home_country,
       CASE WHEN call_direction = 'MOBILE_ORIGINATED' THEN called_destination END AS remote_country,
       CAST(NULL AS STRING) AS amount, linked_id, call_type,
       COALESCE(called_destination, 'ZZ') AS metric_destination, CAST(NULL AS BIGINT) AS answer_ms,
       CAST(NULL AS BIGINT) AS seen_ms, CAST(NULL AS STRING) AS hourly_cost
FROM cdr_final
WHERE (call_direction = 'MOBILE_TERMINATED' AND NOT answered
       AND epoch_millis(end_time) - epoch_millis(start_time) <= ${wangiri_max_ring_ms})
   OR (call_direction = 'MOBILE_ORIGINATED' AND called_destination <> calling_country)
