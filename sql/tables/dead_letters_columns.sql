-- dead_letters_columns: the columns of the dead_letters result, written once; each profile's
-- sink (sinks/<profile>/dead_letters.sql) takes them with LIKE and adds its connector.
-- Grain: one row per rejected record.
CREATE TEMPORARY TABLE dead_letters_columns (
  raw_record STRING,
  raw_truncated BOOLEAN,
  reason STRING,
  detail STRING,
  source_partition STRING NOT NULL,
  source_offset STRING NOT NULL,
  ingest_time TIMESTAMP_LTZ(3)
) WITH ('connector' = 'blackhole')
