-- cdr_archived (view): every valid record once (START and INTERIM once per recordId and type,
-- first arrival wins, state kept for CdrJob.dedup.ttl; STOP as cdr_final has it) as it arrived
-- and as parsed, and for final legs the price this job rated and billed, with the plan,
-- versions and bands that priced it (taken from cdr_final, so the archive holds exactly the
-- price on the bill: what a rerating compares with; START and INTERIM are never priced, their
-- rated_* are NULL), and its partition: the UTC date and hour of its event time. Read by the
-- archive alone (so planned once, not shared: a shared view costs a crossing).
-- Grain: one row per distinct valid record (recordId and recordType).
CREATE TEMPORARY VIEW cdr_archived (
  record_id, call_id, record_type, start_time, answer_time, end_time, duration_s,
  switch_billable_s, calling_number, calling_number_type, subscriber_id, calling_country,
  calling_city, calling_lat, calling_lon, called_number, called_number_type,
  called_destination, call_type, call_direction, termination_reason, sip_from_uri,
  sip_to_uri, sip_call_id, sip_user_agent, sip_codec, sip_ip, sip_response_code, qos_jitter_ms,
  qos_packet_loss_pct, qos_latency_ms, qos_mos, cost_currency, cost_amount,
  cost_per_minute_rate, cost_tax_amount, server_node, recording_id, tags, linked_id,
  leg_sequence, bytes_sent, bytes_received, progress_time, hangup_cause, trunk, answered, talk_seconds,
  rated_tariff_prefix,
  rated_destination, rated_plan, rated_plan_version, rated_deck_version, rated_bands, rated_billable_seconds,
  rated_amount, rated_tax, rated_currency, rating_error, raw_record, source_partition,
  source_offset, event_time, ingest_time, dt, `hour`
) AS
SELECT
  record_id, call_id, record_type, start_time, answer_time, end_time, duration_s, switch_billable_s,
  calling_number, calling_number_type, subscriber_id, calling_country, calling_city, calling_lat, calling_lon,
  called_number, called_number_type, called_destination, call_type, call_direction, termination_reason,
  sip_from_uri, sip_to_uri, sip_call_id, sip_user_agent, sip_codec, sip_ip, sip_response_code, qos_jitter_ms,
  qos_packet_loss_pct,
  qos_latency_ms, qos_mos, cost_currency, cost_amount, cost_per_minute_rate, cost_tax_amount, server_node,
  recording_id, tags, linked_id, leg_sequence, bytes_sent, bytes_received, progress_time, hangup_cause, trunk,
  answered, talk_seconds,
  tariff_prefix, destination, plan, plan_version, deck_version, bands, billable_seconds, amount, tax, currency,
  rating_error, raw_record, source_partition, source_offset, event_time, ingest_time,
  DATE_FORMAT(event_time, 'yyyy-MM-dd'), DATE_FORMAT(event_time, 'HH')
FROM cdr_final
UNION ALL
SELECT
  record_id, call_id, record_type, start_time, answer_time, end_time, duration_s, switch_billable_s,
  calling_number, calling_number_type, subscriber_id, calling_country, calling_city, calling_lat, calling_lon,
  called_number, called_number_type, called_destination, call_type, call_direction, termination_reason,
  sip_from_uri, sip_to_uri, sip_call_id, sip_user_agent, sip_codec, sip_ip, sip_response_code, qos_jitter_ms,
  qos_packet_loss_pct,
  qos_latency_ms, qos_mos, cost_currency, cost_amount, cost_per_minute_rate, cost_tax_amount, server_node,
  recording_id, tags, linked_id, leg_sequence, bytes_sent, bytes_received, progress_time, hangup_cause, trunk,
  answered, talk_seconds,
  CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS STRING),
  CAST(NULL AS STRING), CAST(NULL AS BIGINT), CAST(NULL AS DECIMAL(18, 6)), CAST(NULL AS DECIMAL(18, 6)),
  CAST(NULL AS STRING), CAST(NULL AS STRING), raw_record, source_partition, source_offset, event_time,
  CAST(ingest_time AS TIMESTAMP_LTZ(3)), DATE_FORMAT(event_time, 'yyyy-MM-dd'), DATE_FORMAT(event_time, 'HH')
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY record_id, record_type ORDER BY ingest_time) AS arrival
  FROM cdr_valid
  WHERE record_type <> 'STOP'
)
WHERE arrival = 1
