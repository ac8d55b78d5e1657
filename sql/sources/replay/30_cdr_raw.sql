-- cdr_raw: every record of the replay's files as its raw text, JSON Lines (cdr_lines) and Parquet
-- (cdr_stored_raw) alike, in the stream source's columns. An input of one kind reads that source
-- alone instead (jobs/pipeline.py, replay_source): a union takes two inputs, so Flink cannot
-- chain the parse to the source, and each record would be parsed twice (for its event time in
-- the source's thread, then by PARSE_CDR in another).
-- Grain: one row per input record.
CREATE TEMPORARY VIEW cdr_raw AS
SELECT line, source_partition, source_offset, arrival_time, event_time, ingest_time
FROM cdr_lines
UNION ALL
SELECT line, source_partition, source_offset, arrival_time, event_time, ingest_time
FROM cdr_stored_raw
