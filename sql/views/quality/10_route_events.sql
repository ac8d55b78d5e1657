-- route_events (view): each final leg (STOP) as the route-quality tables count it. Its route:
-- destination country as the PBX saw it ('ZZ' when unknown), trunk ('on-net' for a leg without
-- one: calls between our subscribers, services) and direction. effective: the network did its
-- part (NER, ITU-T E.425: answered, user busy, no answer, rejected by the user, or abandoned by
-- the caller while it rang), read from the SIP response code, else the Q.850 cause, else the
-- termination reason. pdd_ms: set-up to the first 180/183 (NULL when it never rang);
-- holding_ms: set-up to end; hangup_cause: the Q.850 cause (-1 when the record has none); the
-- QoS figures as the record has them (NULL when absent).
-- Grain: one row per final leg.
CREATE TEMPORARY VIEW route_events AS
SELECT
  event_time,
  COALESCE(called_destination, 'ZZ') AS destination_country,
  COALESCE(trunk, 'on-net') AS trunk,
  call_direction AS direction,
  answered,
  CASE
    WHEN answer_time IS NOT NULL THEN TRUE
    WHEN sip_response_code IS NOT NULL THEN sip_response_code IN (486, 600, 480, 408, 603)
      OR (sip_response_code = 487 AND progress_time IS NOT NULL)
    WHEN hangup_cause IS NOT NULL THEN hangup_cause IN (17, 18, 19, 21)
      OR (hangup_cause = 16 AND progress_time IS NOT NULL)
    ELSE termination_reason IN ('BUSY', 'NO_ANSWER')
      OR (termination_reason = 'CANCELLED' AND progress_time IS NOT NULL)
  END AS effective,
  talk_seconds,
  epoch_millis(end_time) - epoch_millis(start_time) AS holding_ms,
  epoch_millis(progress_time) - epoch_millis(start_time) AS pdd_ms,
  COALESCE(hangup_cause, -1) AS hangup_cause,
  qos_mos, qos_jitter_ms, qos_packet_loss_pct, qos_latency_ms
FROM cdr_final
