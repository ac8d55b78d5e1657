-- Fraud-tagged calls: the legs the fraud detection named as evidence (fraud_tagged_calls,
-- detected between two dates) with their archived record, newest alert first: who, to where,
-- how long, what it cost, and which rule at which severity.
-- Reads: fraud_tagged_calls and cdr_archive (Glue tables; `python -m ops.glue_table`).
-- Parameters: from, to (detection dates), then the archive's dates to read (from a day earlier,
-- as a leg near midnight is alerted on the next day).
SELECT t.detected_at, t.rule, t.severity, t.alert_id, a.record_id, a.call_id, a.subscriber_id,
       a.calling_number, a.called_number, a.called_destination, a.start_time, a.end_time,
       a.talk_seconds, a.rated_amount, t.tags
FROM fraud_tagged_calls AS t
JOIN cdr_archive AS a ON a.record_id = t.record_id
WHERE t.dt BETWEEN ? AND ? AND a.dt BETWEEN ? AND ?
ORDER BY t.detected_at DESC, a.start_time DESC, a.record_id
