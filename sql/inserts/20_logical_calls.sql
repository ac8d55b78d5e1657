-- logical_calls: every logical call once, with who pays for each leg (call_summaries).
-- Feeds: logical_calls (DynamoDB table in streaming, upserted by linked_id; DIR/logical_calls/
-- in replay).
INSERT INTO logical_calls
SELECT linked_id, originating_subscriber, calling_number, TO_TIMESTAMP_LTZ(first_setup_ms, 3),
       TO_TIMESTAMP_LTZ(last_end_ms, 3), answered, CAST(conversation_ms AS DECIMAL(15, 3)) / 1000, leg_count, legs,
       JSON_QUERY(participants, '$' RETURNING ARRAY<STRING>), revision, event_time
FROM call_summaries
