-- Top 10 subscribers by talk time: answered final legs (STOP) between two dates (inclusive,
-- UTC, the archive's dt partitions), talk seconds summed, ties by subscriber id.
-- Reads: cdr_archive (Athena/Glue table; `python -m ops.glue_table`). Parameters: from, to.
SELECT subscriber_id, SUM(talk_seconds) AS talk_seconds, COUNT(*) AS answered_calls
FROM cdr_archive
WHERE dt BETWEEN ? AND ? AND record_type = 'STOP' AND answered
GROUP BY subscriber_id
ORDER BY talk_seconds DESC, subscriber_id
LIMIT 10
