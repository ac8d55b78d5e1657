-- fraud_alerts: the alerts of the fraud rules (fraud_detected: jobs/fraud_detection.py, keyed
-- by subscriber and by remote number), money and counts exact, evidence as a list.
-- Feeds: fraud_alerts (DynamoDB table in streaming, DIR/fraud_alerts/ in replay).
INSERT INTO fraud_alerts
SELECT alert_id, subscriber_id, rule, severity, TO_TIMESTAMP_LTZ(detected_at_ms, 3),
       TO_TIMESTAMP_LTZ(window_start_ms, 3), TO_TIMESTAMP_LTZ(window_end_ms, 3),
       CAST(observed AS DECIMAL(18, 6)), CAST(threshold AS DECIMAL(18, 6)),
       JSON_QUERY(evidence_call_ids, '$' RETURNING ARRAY<STRING>)
FROM fraud_detected
