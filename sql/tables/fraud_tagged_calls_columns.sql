-- fraud_tagged_calls_columns: the alerted CDRs, written once: each final leg an alert names as
-- evidence, with the alert and the tags it gets ('fraud-alert' and 'fraud:<RULE>'); join it to
-- the archive on record_id for the whole record. Partition dt: the UTC date of detection.
-- Grain: one row per (alerted leg, alert).
CREATE TEMPORARY TABLE fraud_tagged_calls_columns (
  record_id STRING NOT NULL,
  call_id STRING,
  alert_id STRING NOT NULL,
  subscriber_id STRING,
  rule STRING,
  severity STRING,
  detected_at TIMESTAMP_LTZ(3),
  tags ARRAY<STRING>,
  dt STRING
) WITH ('connector' = 'blackhole')
