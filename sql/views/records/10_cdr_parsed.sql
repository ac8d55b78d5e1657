-- cdr_parsed (view): every raw record parsed once by PARSE_CDR into the CDR's columns, phone
-- numbers in E.164, with its verdict (reject_reason NULL: the record keeps the contract).
-- Grain: one row per input record, nothing dropped.
CREATE TEMPORARY VIEW cdr_parsed AS
SELECT r.line, r.source_partition, r.source_offset, r.arrival_time, r.event_time, r.ingest_time, p.*
FROM cdr_raw AS r
CROSS JOIN LATERAL TABLE(parse_cdr(r.line)) AS p
