-- PARSE_CDR(line): parses one raw record once and returns every field of the CDR contract as a
-- column (the flat schema of domain.cdr.flat_columns()), phone numbers normalised to E.164, plus
-- reject_reason and reject_detail (NULL when the record keeps the contract). A JVM table
-- function (ParseCdr.java) because it runs on every record; its rules are those of domain/cdr.py.
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS parse_cdr
  AS 'org.cdrpipeline.flink.cdr.ParseCdr' LANGUAGE JAVA
