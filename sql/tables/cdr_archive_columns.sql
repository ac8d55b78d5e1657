-- cdr_archive_columns: the columns of the raw CDR archive, written once; the archive sink
-- (sinks/shared/cdr_archive.sql) takes them with LIKE. The record as it arrived (raw_record,
-- the audit copy and what a rerating replays), its fields flattened in snake_case
-- (calledParty.number -> called_number; nested parts as prefixes: sip_, qos_, cost_ as the
-- switch priced it, bytes_ for dataUsage; progress_time, hangup_cause and trunk as sent), where it came from, and for final legs (STOP) the
-- price this job rated (rated_*; NULL for START/INTERIM). Money DECIMAL(18, 6).
-- Partitions: dt=YYYY-MM-DD/hour=HH of the record's event time (endTime, else startTime), UTC.
-- Grain: one row per distinct valid record (recordId).
CREATE TEMPORARY TABLE cdr_archive_columns (
  record_id STRING, call_id STRING, record_type STRING,
  start_time TIMESTAMP_LTZ(3), answer_time TIMESTAMP_LTZ(3), end_time TIMESTAMP_LTZ(3),
  duration_s DOUBLE, switch_billable_s DOUBLE,
  calling_number STRING, calling_number_type STRING, subscriber_id STRING,
  calling_country STRING, calling_city STRING, calling_lat DOUBLE, calling_lon DOUBLE,
  called_number STRING, called_number_type STRING, called_destination STRING,
  call_type STRING, call_direction STRING, termination_reason STRING,
  sip_from_uri STRING, sip_to_uri STRING, sip_call_id STRING, sip_user_agent STRING,
  sip_codec STRING, sip_ip STRING, sip_response_code BIGINT,
  qos_jitter_ms DOUBLE, qos_packet_loss_pct DOUBLE, qos_latency_ms DOUBLE, qos_mos DOUBLE,
  cost_currency STRING, cost_amount DECIMAL(18, 6), cost_per_minute_rate DECIMAL(18, 6),
  cost_tax_amount DECIMAL(18, 6),
  server_node STRING, recording_id STRING, tags ARRAY<STRING>,
  linked_id STRING, leg_sequence BIGINT, bytes_sent BIGINT, bytes_received BIGINT,
  progress_time TIMESTAMP_LTZ(3), hangup_cause BIGINT, trunk STRING,
  answered BOOLEAN, talk_seconds BIGINT,
  rated_tariff_prefix STRING, rated_destination STRING, rated_plan STRING, rated_plan_version STRING,
  rated_deck_version STRING, rated_bands STRING, rated_billable_seconds BIGINT, rated_amount DECIMAL(18, 6),
  rated_tax DECIMAL(18, 6), rated_currency STRING, rating_error STRING,
  raw_record STRING, source_partition STRING, source_offset STRING,
  event_time TIMESTAMP_LTZ(3), ingest_time TIMESTAMP_LTZ(3),
  dt STRING, `hour` STRING
) WITH ('connector' = 'blackhole')
