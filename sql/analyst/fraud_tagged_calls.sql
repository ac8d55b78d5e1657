-- Fraud-tagged calls: final legs (STOP) between two dates whose metadata tags hold
-- 'fraud-alert' (set by the fraud detection), newest first, with what an investigator asks
-- first: who, to where, how long, what it cost.
-- Reads: cdr_archive. Parameters: from, to.
SELECT record_id, call_id, subscriber_id, calling_number, called_number, called_destination,
       start_time, end_time, talk_seconds, rated_amount, tags
FROM cdr_archive
WHERE dt BETWEEN ? AND ? AND record_type = 'STOP' AND contains(tags, 'fraud-alert')
ORDER BY start_time DESC, record_id
