-- cdr_rejected (view): the records that break the CDR contract, each with its raw text, a
-- reason code (udfs.cdr.Reason), a detail, and where it came from.
-- A record over 64 KiB (RECORD_TOO_LARGE) keeps its first 64 Ki characters: DynamoDB items
-- stop at 400 KB, and a dead letter must never be what fails the job.
-- Grain: one row per rejected input record.
CREATE TEMPORARY VIEW cdr_rejected AS
SELECT
  CASE WHEN CHAR_LENGTH(line) > 65536 THEN SUBSTRING(line FROM 1 FOR 65536) ELSE line END AS raw_record,
  CHAR_LENGTH(line) > 65536 AS raw_truncated,
  reject_reason AS reason,
  reject_detail AS detail,
  COALESCE(source_partition, '') AS source_partition,
  COALESCE(source_offset, '') AS source_offset,
  CAST(ingest_time AS TIMESTAMP_LTZ(3)) AS ingest_time
FROM cdr_parsed
WHERE reject_reason IS NOT NULL
