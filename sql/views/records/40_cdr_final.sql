-- cdr_final (view): final records only (STOP: one per call leg), each recordId once, whole, and
-- priced: RATE_LEG (the rules are in cdr_rated) runs here, once per leg, so the archive, the
-- bills and every other result carry the same price for a leg even while a running job
-- re-reads its tariffs (each RATE_LEG instance re-reads on its own). START and INTERIM carry
-- durations so far and are never counted; a producer's retry of the same recordId is dropped
-- (first arrival wins; the state is kept for CdrJob.dedup.ttl). Computed once and shared by
-- every result that reads it.
-- Grain: one row per call leg.
CREATE TEMPORARY VIEW cdr_final AS
SELECT
  f.call_id, f.record_id, f.record_type, f.start_time, f.answer_time, f.end_time, f.duration_s,
  f.switch_billable_s, f.calling_number, f.calling_number_type, f.subscriber_id, f.calling_country,
  f.calling_city, f.calling_lat, f.calling_lon, f.called_number, f.called_number_type, f.called_destination,
  f.called_subscriber_id, f.call_type, f.call_direction, f.termination_reason, f.sip_from_uri, f.sip_to_uri,
  f.sip_call_id, f.sip_user_agent, f.sip_codec, f.sip_ip, f.sip_response_code, f.qos_jitter_ms, f.qos_packet_loss_pct,
  f.qos_latency_ms, f.qos_mos, f.cost_currency, f.cost_amount, f.cost_per_minute_rate, f.cost_tax_amount,
  f.server_node, f.recording_id, f.tags, f.linked_id, f.leg_sequence, f.bytes_sent, f.bytes_received,
  f.progress_time, f.hangup_cause, f.trunk,
  f.answered, f.talk_seconds, f.raw_record, f.source_partition, f.source_offset, f.event_time,
  CAST(f.ingest_time AS TIMESTAMP_LTZ(3)) AS ingest_time,
  r.tariff_prefix, r.destination, r.plan, r.plan_assigned, r.plan_version, r.deck_version, r.bands,
  r.billable_seconds, r.amount, r.tax, r.currency, r.rating_error
FROM (
  SELECT * FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY record_id ORDER BY ingest_time) AS arrival
    FROM cdr_valid
    WHERE record_type = 'STOP'
  )
  WHERE arrival = 1
) AS f
CROSS JOIN LATERAL TABLE(rate_leg(f.subscriber_id, f.called_number, f.calling_country, f.call_direction,
  f.start_time, CASE WHEN f.answered THEN f.answer_time END, f.talk_seconds)) AS r
