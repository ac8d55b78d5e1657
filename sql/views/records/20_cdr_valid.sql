-- cdr_valid (view): the records that keep the CDR contract, every number in E.164.
-- raw_record: the record exactly as it arrived (the archive keeps it for audit and rerating).
-- answered: answerTime present and terminationReason NORMAL; talk_seconds: endTime - answerTime
-- of an answered leg, a started second counting (else 0).
-- Grain: one row per valid input record (duplicates of a recordId still included).
CREATE TEMPORARY VIEW cdr_valid AS
SELECT
  call_id, record_id, record_type, start_time, answer_time, end_time, duration_s, switch_billable_s,
  calling_number, calling_number_type, subscriber_id, calling_country, calling_city,
  calling_lat, calling_lon, called_number, called_number_type, called_destination, called_subscriber_id,
  call_type, call_direction, termination_reason,
  sip_from_uri, sip_to_uri, sip_call_id, sip_user_agent, sip_codec, sip_ip, sip_response_code,
  qos_jitter_ms, qos_packet_loss_pct, qos_latency_ms, qos_mos,
  cost_currency, cost_amount, cost_per_minute_rate, cost_tax_amount,
  server_node, recording_id, tags, linked_id, leg_sequence, bytes_sent, bytes_received,
  progress_time, hangup_cause, trunk,
  answer_time IS NOT NULL AND termination_reason = 'NORMAL' AS answered,
  CASE WHEN answer_time IS NOT NULL AND termination_reason = 'NORMAL'
       THEN started_seconds(answer_time, end_time) ELSE 0 END AS talk_seconds,
  line AS raw_record, source_partition, source_offset, event_time, ingest_time
FROM cdr_parsed
WHERE reject_reason IS NULL
