-- cdr_stored_raw (view): the records of the replay's Parquet files (cdr_stored) in the stream
-- source's columns: the raw text from whichever of `raw_record`, `raw` or `line` the file keeps;
-- files have no offset and no arrival (NULL).
-- Grain: one row per stored record. Feeds: cdr_raw.
CREATE TEMPORARY VIEW cdr_stored_raw AS
SELECT COALESCE(raw_record, `raw`, line) AS line, source_partition, CAST(NULL AS STRING) AS source_offset,
       CAST(NULL AS TIMESTAMP_LTZ(3)) AS arrival_time, event_time, ingest_time
FROM cdr_stored
