-- Final legs per hour (of the leg's end, UTC), route — destination country ('ZZ' when unknown),
-- trunk ('on-net' without one), direction — and ITU-T Q.850 hangup cause (-1 when the record
-- has none), between two dates, as the job's route_causes_hourly counts them.
-- Reads: cdr_archive. Parameters: from, to.
SELECT date_trunc('hour', end_time) AS hour_start,
       COALESCE(called_destination, 'ZZ') AS destination_country,
       COALESCE(trunk, 'on-net') AS trunk,
       call_direction AS direction,
       COALESCE(hangup_cause, -1) AS hangup_cause,
       COUNT(*) AS legs
FROM cdr_archive
WHERE dt BETWEEN ? AND ? AND record_type = 'STOP'
GROUP BY 1, 2, 3, 4, 5
ORDER BY hour_start, destination_country, trunk, direction, hangup_cause
