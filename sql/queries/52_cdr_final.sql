-- cdr_final (view): final records only (STOP: one per call leg), with the columns usage,
-- rating and billing read (and, for a leg that cannot be
-- priced, what the dead-letter store keeps). START and INTERIM carry durations so far and are never counted.
-- Grain: one row per call leg.
CREATE TEMPORARY VIEW cdr_final AS
SELECT
  record_id, call_id, linked_id, leg_sequence, subscriber_id, call_type, call_direction,
  termination_reason, start_time, answer_time, end_time, calling_number, called_number,
  called_destination, bytes_sent, bytes_received, answered, talk_seconds, event_time,
  raw_record, source_partition, source_offset, ingest_time
FROM cdr_unique
WHERE record_type = 'STOP'
