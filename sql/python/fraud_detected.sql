-- fraud_detected (view made in Python: the fraud rules, jobs/fraud_detection.py over
-- fraud_subscriber_events and fraud_remote_events, rules of domain/fraud.py): every alert,
-- with its rule, severity, window, observed value and threshold, the evidence (call ids and a
-- JSON summary), the destination, direction and call type it concerns, and the block it asks
-- for (block_kind subscriber|number, reason, until when; NULL: none). Empty when fraud
-- detection is off. Event time = when it was detected (detected_at_ms).
-- Grain: one row per alert.
-- Read by: fraud_alerts, fraud_blocks, fraud_tagged_calls, metric_events. This declaration is the view's
-- contract: tests/integration/test_python_stages.py holds the Python stage to its columns.
CREATE TEMPORARY TABLE fraud_detected (
  alert_id STRING,
  subscriber_id STRING,
  rule STRING,
  severity STRING,
  detected_at_ms BIGINT,
  window_start_ms BIGINT,
  window_end_ms BIGINT,
  observed STRING,
  threshold STRING,
  evidence_call_ids STRING,
  evidence STRING,
  destination_country STRING,
  direction STRING,
  call_type STRING,
  block_kind STRING,
  block_reason STRING,
  block_until_ms BIGINT,
  event_time AS TO_TIMESTAMP_LTZ(detected_at_ms, 3),
  WATERMARK FOR event_time AS event_time
) WITH ('connector' = 'datagen', 'number-of-rows' = '0')
