-- call_legs (view): what leg attribution (domain/legs.py) reads of the legs of multi-leg calls:
-- every leg that carries a linkedId, even one equal to its own callId (a PBX may name the call
-- after its first leg); a leg without one is a call by itself, summarised by SQL alone in
-- call_summaries. Final legs with times as epoch ms (the
-- answer only of an answered leg), and STARTs, so that a leg still open holds its call back
-- (in a replay too: there the STOPs are all in, but the call must be decided as in streaming).
-- Feeds: the logical-call function keyed by linkedId (jobs/logical_calls.py).
CREATE TEMPORARY VIEW call_legs AS
SELECT linked_id, 'STOP' AS record_type, record_id, call_id, leg_sequence, subscriber_id, call_direction,
       calling_number, called_number, epoch_millis(start_time) AS start_ms,
       CASE WHEN answered THEN epoch_millis(answer_time) END AS answer_ms, epoch_millis(end_time) AS end_ms,
       called_subscriber_id
FROM cdr_final
WHERE linked_id IS NOT NULL
UNION ALL
SELECT linked_id, 'START', record_id, call_id, leg_sequence, subscriber_id, call_direction, calling_number,
       called_number, epoch_millis(start_time), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), called_subscriber_id
FROM cdr_valid
WHERE record_type = 'START' AND linked_id IS NOT NULL
