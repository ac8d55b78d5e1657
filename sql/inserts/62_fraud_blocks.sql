-- fraud_blocks: the block each CRITICAL alert of a rule with `action: block` asks for
-- (rules/fraud.yaml; decided in domain/blocklist.py, which fills fraud_detected's block_*
-- columns): the alerted subscriber, or for WANGIRI the spraying number, until the block's end.
-- Feeds: fraud_blocks (DynamoDB table in streaming, read by the PBX; DIR/fraud_blocks/ in replay).
INSERT INTO fraud_blocks
SELECT CONCAT(block_kind, ':', subscriber_id), block_kind, subscriber_id, block_reason, rule, alert_id,
       TO_TIMESTAMP_LTZ(detected_at_ms, 3), block_until_ms / 1000, 'fraud-job'
FROM fraud_detected
WHERE block_kind IS NOT NULL
