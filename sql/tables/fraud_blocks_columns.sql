-- fraud_blocks_columns: an entry of the block list the PBX enforces (asterisk_adapter/
-- block_check.py): a subscriber, or a number (WANGIRI: the spraying number), refused from
-- blocked_at until expires_at (epoch seconds: DynamoDB's TTL removes the item then), with the
-- alert that asked for it. target = kind:value is the key, so a later block of the same
-- subscriber replaces the earlier one. The job adds blocks and never lifts one; operators add
-- and lift with `python -m ops.blocks`.
-- Grain: one row per blocked subscriber or number.
CREATE TEMPORARY TABLE fraud_blocks_columns (
  target STRING NOT NULL,
  kind STRING,
  `value` STRING,
  reason STRING,
  rule STRING,
  alert_id STRING,
  blocked_at TIMESTAMP_LTZ(3),
  expires_at BIGINT,
  blocked_by STRING
) WITH ('connector' = 'blackhole')
