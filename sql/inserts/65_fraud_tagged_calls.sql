-- fraud_tagged_calls: every leg an alert names as evidence, tagged 'fraud-alert' and
-- 'fraud:<RULE>', with its alert (evidence crosses from Python as "call id<US>record id",
-- US = the ASCII unit separator, CHR(31), which no id contains).
-- Feeds: fraud_tagged_calls (S3 Parquet in streaming, DIR/fraud_tagged_calls/ in replay).
INSERT INTO fraud_tagged_calls
SELECT SPLIT_INDEX(e.pair, CHR(31), 1), SPLIT_INDEX(e.pair, CHR(31), 0), d.alert_id, d.subscriber_id, d.rule,
       d.severity, TO_TIMESTAMP_LTZ(d.detected_at_ms, 3), ARRAY['fraud-alert', CONCAT('fraud:', d.rule)],
       DATE_FORMAT(TO_TIMESTAMP_LTZ(d.detected_at_ms, 3), 'yyyy-MM-dd')
FROM fraud_detected AS d
CROSS JOIN UNNEST(JSON_QUERY(d.evidence, '$' RETURNING ARRAY<STRING>)) AS e (pair)
