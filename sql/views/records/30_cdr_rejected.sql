-- cdr_rejected (view): the records that break the CDR contract, each with its raw text, a
-- reason code (domain.cdr.Reason), a detail, and where it came from.
-- Grain: one row per rejected input record.
CREATE TEMPORARY VIEW cdr_rejected AS
SELECT
  line AS raw_record,
  reject_reason AS reason,
  reject_detail AS detail,
  COALESCE(source_partition, '') AS source_partition,
  COALESCE(source_offset, '') AS source_offset,
  CAST(ingest_time AS TIMESTAMP_LTZ(3)) AS ingest_time
FROM cdr_parsed
WHERE reject_reason IS NOT NULL
