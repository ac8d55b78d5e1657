-- fraud_alerts_columns: the columns of a fraud alert, written once; each profile's sink takes
-- them with LIKE. alert_id is a hash of (subscriber or number, rule, window start): a replay or
-- a restart writes the same ids, and an escalation overwrites its warning. subscriber_id is the
-- calling number for WANGIRI (the spray's source). observed/threshold: calls, distinct
-- subscribers or money, as the rule counts. evidence_call_ids: up to 10, oldest first.
-- Grain: one row per alert.
CREATE TEMPORARY TABLE fraud_alerts_columns (
  alert_id STRING NOT NULL,
  subscriber_id STRING,
  rule STRING,
  severity STRING,
  detected_at TIMESTAMP_LTZ(3),
  window_start TIMESTAMP_LTZ(3),
  window_end TIMESTAMP_LTZ(3),
  observed DECIMAL(18, 6),
  threshold DECIMAL(18, 6),
  evidence_call_ids ARRAY<STRING>
) WITH ('connector' = 'blackhole')
