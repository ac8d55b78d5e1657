-- cdr_raw: every record of the replay's files as its raw text, JSON Lines and Parquet alike,
-- in the stream source's columns (files have no offset and no arrival: NULL).
-- Grain: one row per input record.
CREATE TEMPORARY VIEW cdr_raw AS
SELECT line, source_partition, source_offset, arrival_time, event_time, ingest_time
FROM cdr_lines
UNION ALL
SELECT COALESCE(raw_record, `raw`, line), source_partition, CAST(NULL AS STRING), CAST(NULL AS TIMESTAMP_LTZ(3)),
       event_time, ingest_time
FROM cdr_stored
