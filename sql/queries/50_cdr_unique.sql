-- cdr_unique (view): every valid record (START, INTERIM, STOP) once per recordId: a producer's
-- retry of the same recordId is dropped (first arrival wins; the state is kept for
-- CdrJob.dedup.ttl). Adds whether the leg was answered (answerTime present and
-- terminationReason NORMAL) and its talk seconds (a started second counts). Computed once and
-- shared by every result that reads it (the archive, and through cdr_final the rest).
-- Grain: one row per distinct valid record.
CREATE TEMPORARY VIEW cdr_unique AS
SELECT
  call_id, record_id, record_type, start_time, answer_time, end_time, duration_s, switch_billable_s,
  calling_number, calling_number_type, subscriber_id, calling_country, calling_city,
  calling_lat, calling_lon, called_number, called_number_type, called_destination,
  call_type, call_direction, termination_reason,
  sip_from_uri, sip_to_uri, sip_call_id, sip_user_agent, sip_codec, sip_ip,
  qos_jitter_ms, qos_packet_loss_pct, qos_latency_ms, qos_mos,
  cost_currency, cost_amount, cost_per_minute_rate, cost_tax_amount,
  server_node, recording_id, tags, linked_id, leg_sequence, bytes_sent, bytes_received,
  raw_record, source_partition, source_offset, event_time, ingest_time,
  answer_time IS NOT NULL AND termination_reason = 'NORMAL' AS answered,
  CASE WHEN answer_time IS NOT NULL AND termination_reason = 'NORMAL'
       THEN started_seconds(answer_time, end_time) ELSE 0 END AS talk_seconds
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY record_id ORDER BY ingest_time) AS arrival
  FROM cdr_valid
)
WHERE arrival = 1
