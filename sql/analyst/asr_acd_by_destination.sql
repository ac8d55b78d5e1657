-- ASR and ACD by destination country (as the switch saw it; 'ZZ' when unknown) over final legs
-- between two dates: ASR = answered / attempts (0..1), ACD = talk seconds per answered call.
-- Reads: cdr_archive. Parameters: from, to.
SELECT COALESCE(called_destination, 'ZZ') AS destination_country,
       COUNT(*) AS attempts,
       COUNT_IF(answered) AS answered_calls,
       CAST(COUNT_IF(answered) AS DOUBLE) / COUNT(*) AS asr,
       CAST(SUM(talk_seconds) AS DOUBLE) / NULLIF(COUNT_IF(answered), 0) AS acd_seconds
FROM cdr_archive
WHERE dt BETWEEN ? AND ? AND record_type = 'STOP'
GROUP BY COALESCE(called_destination, 'ZZ')
ORDER BY attempts DESC, destination_country
