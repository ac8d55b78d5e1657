-- cdr_archived (view): every valid record once per recordId (all types: START, INTERIM, STOP;
-- first arrival wins, state kept for CdrJob.dedup.ttl) as it arrived and as parsed, with the
-- price this job rates for final legs, with the plan, versions and bands that priced it (STOP;
-- START and INTERIM are never priced, their rated_* are NULL) and its partition: the UTC date and hour of its event time. Shared by the archive
-- and the dead-letter store (legs no tariff prices). A recordId is deduplicated here and in
-- cdr_final independently: a producer that reused one recordId for two record types would see
-- the first arrival archived and the STOP counted.
-- Grain: one row per distinct valid record.
CREATE TEMPORARY VIEW cdr_archived (
  record_id, call_id, record_type, start_time, answer_time, end_time, duration_s,
  switch_billable_s, calling_number, calling_number_type, subscriber_id, calling_country,
  calling_city, calling_lat, calling_lon, called_number, called_number_type,
  called_destination, call_type, call_direction, termination_reason, sip_from_uri,
  sip_to_uri, sip_call_id, sip_user_agent, sip_codec, sip_ip, qos_jitter_ms,
  qos_packet_loss_pct, qos_latency_ms, qos_mos, cost_currency, cost_amount,
  cost_per_minute_rate, cost_tax_amount, server_node, recording_id, tags, linked_id,
  leg_sequence, bytes_sent, bytes_received, answered, talk_seconds, rated_tariff_prefix,
  rated_destination, rated_plan, rated_plan_version, rated_deck_version, rated_bands, rated_billable_seconds,
  rated_amount, rated_tax, rated_currency, rating_error, raw_record, source_partition,
  source_offset, event_time, ingest_time, dt, `hour`
) AS
SELECT
  u.record_id, u.call_id, u.record_type, u.start_time, u.answer_time, u.end_time,
  u.duration_s, u.switch_billable_s, u.calling_number, u.calling_number_type, u.subscriber_id,
  u.calling_country, u.calling_city, u.calling_lat, u.calling_lon, u.called_number,
  u.called_number_type, u.called_destination, u.call_type, u.call_direction,
  u.termination_reason, u.sip_from_uri, u.sip_to_uri, u.sip_call_id, u.sip_user_agent,
  u.sip_codec, u.sip_ip, u.qos_jitter_ms, u.qos_packet_loss_pct, u.qos_latency_ms, u.qos_mos,
  u.cost_currency, u.cost_amount, u.cost_per_minute_rate, u.cost_tax_amount, u.server_node,
  u.recording_id, u.tags, u.linked_id, u.leg_sequence, u.bytes_sent, u.bytes_received,
  u.answered, u.talk_seconds,
  CASE WHEN u.record_type = 'STOP' THEN r.tariff_prefix END,
  CASE WHEN u.record_type = 'STOP' THEN r.destination END,
  CASE WHEN u.record_type = 'STOP' THEN r.plan END,
  CASE WHEN u.record_type = 'STOP' THEN r.plan_version END,
  CASE WHEN u.record_type = 'STOP' THEN r.deck_version END,
  CASE WHEN u.record_type = 'STOP' THEN r.bands END,
  CASE WHEN u.record_type = 'STOP' THEN r.billable_seconds END,
  CASE WHEN u.record_type = 'STOP' THEN r.amount END,
  CASE WHEN u.record_type = 'STOP' THEN r.tax END,
  CASE WHEN u.record_type = 'STOP' THEN r.currency END,
  CASE WHEN u.record_type = 'STOP' THEN r.rating_error END,
  u.raw_record, u.source_partition, u.source_offset, u.event_time,
  CAST(u.ingest_time AS TIMESTAMP_LTZ(3)),
  DATE_FORMAT(u.event_time, 'yyyy-MM-dd'), DATE_FORMAT(u.event_time, 'HH')
FROM (
  SELECT * FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY record_id ORDER BY ingest_time) AS arrival
    FROM cdr_valid
  )
  WHERE arrival = 1
) AS u
CROSS JOIN LATERAL TABLE(rate_leg(u.subscriber_id, u.called_number, u.calling_country, u.call_direction,
  u.start_time, CASE WHEN u.answered THEN u.answer_time END, u.talk_seconds)) AS r
