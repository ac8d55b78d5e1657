-- cdr_archive: every distinct valid record as it arrived and as parsed, with the price this job
-- rated for final legs (STOP; START and INTERIM are never priced, their rated_* are NULL),
-- partitioned by the UTC date and hour of its event time.
-- Feeds: cdr_archive (S3 Parquet in streaming; DIR/cdr_archive/ in replay with --archive).
INSERT INTO cdr_archive
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
  CASE WHEN u.record_type = 'STOP' THEN r.rate_per_minute END,
  CASE WHEN u.record_type = 'STOP' THEN r.connect_fee END,
  CASE WHEN u.record_type = 'STOP' THEN r.billable_seconds END,
  CASE WHEN u.record_type = 'STOP' THEN r.amount END,
  CASE WHEN u.record_type = 'STOP' THEN r.tax END,
  CASE WHEN u.record_type = 'STOP' THEN '${currency}' END,
  CASE WHEN u.record_type = 'STOP' THEN r.rating_error END,
  u.raw_record, u.source_partition, u.source_offset, u.event_time,
  CAST(u.ingest_time AS TIMESTAMP_LTZ(3)),
  DATE_FORMAT(u.event_time, 'yyyy-MM-dd'), DATE_FORMAT(u.event_time, 'HH')
FROM cdr_unique AS u
CROSS JOIN LATERAL TABLE(rate_call(u.called_number, u.call_direction, u.answered, u.talk_seconds)) AS r
