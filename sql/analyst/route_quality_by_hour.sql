-- Call quality per hour (of the leg's end, UTC) and route — destination country ('ZZ' when
-- unknown), trunk ('on-net' without one), direction — over final legs between two dates, as
-- the job's route_quality_minutely defines each figure (sql/views/quality/): ASR, NER (the
-- effective outcomes: answered, busy, no answer, rejected, abandoned while ringing), ACD and
-- ALOC in seconds, PDD mean and 95th percentile in ms (Athena's approx_percentile: within ~1 %),
-- MOS mean and share below 3.5, mean jitter, packet loss and latency.
-- Reads: cdr_archive. Parameters: from, to.
SELECT date_trunc('hour', end_time) AS hour_start,
       COALESCE(called_destination, 'ZZ') AS destination_country,
       COALESCE(trunk, 'on-net') AS trunk,
       call_direction AS direction,
       COUNT(*) AS attempts,
       COUNT_IF(answered) AS answered,
       CAST(COUNT_IF(answered) AS DOUBLE) / COUNT(*) AS asr,
       CAST(COUNT_IF(CASE
         WHEN answer_time IS NOT NULL THEN TRUE
         WHEN sip_response_code IS NOT NULL THEN sip_response_code IN (486, 600, 480, 408, 603)
           OR (sip_response_code = 487 AND progress_time IS NOT NULL)
         WHEN hangup_cause IS NOT NULL THEN hangup_cause IN (17, 18, 19, 21)
           OR (hangup_cause = 16 AND progress_time IS NOT NULL)
         ELSE termination_reason IN ('BUSY', 'NO_ANSWER')
           OR (termination_reason = 'CANCELLED' AND progress_time IS NOT NULL)
       END) AS DOUBLE) / COUNT(*) AS ner,
       CAST(SUM(talk_seconds) AS DOUBLE) / NULLIF(COUNT_IF(answered), 0) AS acd_s,
       CAST(SUM(date_diff('millisecond', start_time, end_time)) AS DOUBLE) / 1000 / COUNT(*) AS aloc_s,
       AVG(CAST(date_diff('millisecond', start_time, progress_time) AS DOUBLE)) AS pdd_mean_ms,
       approx_percentile(date_diff('millisecond', start_time, progress_time), 0.95) AS pdd_p95_ms,
       AVG(qos_mos) AS mos_mean,
       CAST(COUNT_IF(qos_mos < 3.5) AS DOUBLE) / NULLIF(COUNT(qos_mos), 0) AS mos_poor_share,
       AVG(qos_jitter_ms) AS jitter_mean_ms,
       AVG(qos_packet_loss_pct) AS packet_loss_mean_pct,
       AVG(qos_latency_ms) AS latency_mean_ms
FROM cdr_archive
WHERE dt BETWEEN ? AND ? AND record_type = 'STOP'
GROUP BY 1, 2, 3, 4
ORDER BY hour_start, destination_country, trunk, direction
