-- call_summaries (view): one row per logical call, its legs counted once. Multi-leg calls come
-- from leg attribution (multi_leg_calls, jobs/logical_calls.py: event time = its last leg's
-- end, emitted once the watermark passes it; emitted again, whole, if a leg ends later); a
-- call of one leg is summarised here, as
-- domain/legs.py would: charged to its subscriber when answered and outgoing, to nobody of ours
-- when incoming or unanswered (event time = its end). legs: JSON array of {record_id, call_id,
-- charged_to, charge, talk_ms}; participants: JSON array of our subscribers on its legs.
-- Feeds: logical_calls.
CREATE TEMPORARY VIEW call_summaries AS
SELECT linked_id, originating_subscriber, calling_number, first_setup_ms, last_end_ms, answered, conversation_ms,
       leg_count, legs, participants, revision, event_time
FROM multi_leg_calls
UNION ALL
SELECT call_id, CASE WHEN call_direction = 'MOBILE_ORIGINATED' THEN subscriber_id END, calling_number,
       epoch_millis(start_time), epoch_millis(end_time), answered,
       CASE WHEN answered THEN epoch_millis(end_time) - epoch_millis(answer_time) ELSE 0 END, 1,
       JSON_ARRAY(JSON_OBJECT(
         'record_id' VALUE record_id, 'call_id' VALUE call_id,
         'charged_to' VALUE CASE WHEN answered AND call_direction = 'MOBILE_ORIGINATED' THEN subscriber_id END,
         'charge' VALUE CASE WHEN NOT answered THEN 'UNANSWERED'
                             WHEN call_direction = 'MOBILE_ORIGINATED' THEN 'ORIGINATOR' ELSE 'INCOMING' END,
         'talk_ms' VALUE CASE WHEN answered THEN epoch_millis(end_time) - epoch_millis(answer_time) ELSE 0 END
         NULL ON NULL)),
       JSON_ARRAY(subscriber_id), 0, event_time
FROM cdr_final
WHERE linked_id IS NULL
