-- cdr_checked (view): cdr_parsed with every phone number in E.164. Records whose numbers are
-- already E.164 (nearly all) pass straight through; only those with needs_e164 go through the
-- Python normaliser, which returns the E.164 numbers or a reject reason.
-- Grain: one row per input record, nothing dropped.
CREATE TEMPORARY VIEW cdr_checked AS
SELECT * FROM cdr_parsed WHERE needs_e164 IS NOT TRUE
UNION ALL
SELECT
  line, source_partition, source_offset, event_time, ingest_time,
  call_id, record_id, record_type, start_time, answer_time, end_time, duration_s, switch_billable_s,
  COALESCE(n.calling_number, calling_number) AS calling_number, calling_number_type, subscriber_id,
  calling_country, calling_city, calling_lat, calling_lon,
  COALESCE(n.called_number, called_number) AS called_number, called_number_type, called_destination,
  call_type, call_direction, termination_reason,
  sip_from_uri, sip_to_uri, sip_call_id, sip_user_agent, sip_codec, sip_ip,
  qos_jitter_ms, qos_packet_loss_pct, qos_latency_ms, qos_mos,
  cost_currency, cost_amount, cost_per_minute_rate, cost_tax_amount,
  server_node, recording_id, tags, linked_id, leg_sequence, bytes_sent, bytes_received,
  needs_e164, n.reject_reason, n.reject_detail
FROM (
  SELECT *, normalise_numbers(calling_number, called_number, calling_country) AS n
  FROM cdr_parsed
  WHERE needs_e164
)
