-- Calls per hour of day (UTC, by set-up time): final legs (STOP) between two dates, answered
-- and not, for capacity planning. Hours without calls do not appear.
-- Reads: cdr_archive. Parameters: from, to.
SELECT hour(start_time) AS hour_of_day,
       COUNT(*) AS calls,
       COUNT_IF(answered) AS answered_calls,
       COUNT(*) - COUNT_IF(answered) AS unanswered_calls
FROM cdr_archive
WHERE dt BETWEEN ? AND ? AND record_type = 'STOP'
GROUP BY hour(start_time)
ORDER BY hour_of_day
