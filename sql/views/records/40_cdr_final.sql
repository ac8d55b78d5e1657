-- cdr_final (view): final records only (STOP: one per call leg), each recordId once, with the
-- columns usage, rating and billing read. START and INTERIM carry durations so far and are
-- never counted; a producer's retry of the same recordId is dropped (first arrival wins; the
-- state is kept for CdrJob.dedup.ttl). Computed once and shared by every result that reads it.
-- Narrow on purpose: this is what a replay sorts to deduplicate (the archive keeps the rest).
-- Grain: one row per call leg.
CREATE TEMPORARY VIEW cdr_final AS
SELECT
  record_id, call_id, linked_id, leg_sequence, subscriber_id, call_type, call_direction,
  termination_reason, start_time, answer_time, end_time, calling_number, calling_country,
  called_number, called_destination, called_subscriber_id, bytes_sent, bytes_received, answered, talk_seconds,
  event_time
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY record_id ORDER BY ingest_time) AS arrival
  FROM cdr_valid
  WHERE record_type = 'STOP'
)
WHERE arrival = 1
