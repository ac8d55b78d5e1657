-- cdr_final (view): final records only (STOP: one per call leg), each recordId once. START
-- and INTERIM carry durations so far and are never counted; a producer's retry of the same
-- recordId is dropped (first arrival wins; the state is kept for CdrJob.dedup.ttl).
-- Grain: one row per call leg.
CREATE TEMPORARY VIEW cdr_final AS
SELECT *
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY record_id ORDER BY ingest_time) AS arrival
  FROM cdr_valid
  WHERE record_type = 'STOP'
)
WHERE arrival = 1
