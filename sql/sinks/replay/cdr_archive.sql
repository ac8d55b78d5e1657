-- cdr_archive (replay): every valid record and where it came from, staged as JSON Lines and turned into Parquet under
-- DIR/cdr_archive/ when the replay ends: the input of rerating and analysts' experiments.
CREATE TEMPORARY TABLE cdr_archive (
  call_id STRING, record_id STRING, record_type STRING,
  start_time TIMESTAMP_LTZ(3), answer_time TIMESTAMP_LTZ(3), end_time TIMESTAMP_LTZ(3),
  duration_s DOUBLE, switch_billable_s DOUBLE,
  calling_number STRING, calling_number_type STRING, subscriber_id STRING,
  calling_country STRING, calling_city STRING, calling_lat DOUBLE, calling_lon DOUBLE,
  called_number STRING, called_number_type STRING, called_destination STRING,
  call_type STRING, call_direction STRING, termination_reason STRING,
  sip_from_uri STRING, sip_to_uri STRING, sip_call_id STRING, sip_user_agent STRING,
  sip_codec STRING, sip_ip STRING,
  qos_jitter_ms DOUBLE, qos_packet_loss_pct DOUBLE, qos_latency_ms DOUBLE, qos_mos DOUBLE,
  cost_currency STRING, cost_amount DECIMAL(18, 6), cost_per_minute_rate DECIMAL(18, 6),
  cost_tax_amount DECIMAL(18, 6),
  server_node STRING, recording_id STRING, tags ARRAY<STRING>,
  linked_id STRING, leg_sequence BIGINT, bytes_sent BIGINT, bytes_received BIGINT,
  source_partition STRING, source_offset STRING, event_time TIMESTAMP_LTZ(3), ingest_time TIMESTAMP_LTZ(3)
) WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/cdr_archive',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.encode.decimal-as-plain-number' = 'true'
)
