-- Top 10 subscribers by data usage: bytes sent plus received over final legs (STOP) between
-- two dates (inclusive, UTC), ties by subscriber id.
-- Reads: cdr_archive. Parameters: from, to.
SELECT subscriber_id,
       SUM(COALESCE(bytes_sent, 0) + COALESCE(bytes_received, 0)) AS bytes_total,
       SUM(COALESCE(bytes_sent, 0)) AS bytes_sent,
       SUM(COALESCE(bytes_received, 0)) AS bytes_received
FROM cdr_archive
WHERE dt BETWEEN ? AND ? AND record_type = 'STOP'
GROUP BY subscriber_id
ORDER BY bytes_total DESC, subscriber_id
LIMIT 10
