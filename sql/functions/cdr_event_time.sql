-- CDR_EVENT_TIME(line): the record's endTime, else its startTime, as TIMESTAMP_LTZ(3); the
-- epoch when neither parses (a rowtime must never be NULL). Feeds the sources' WATERMARK.
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS cdr_event_time
  AS 'org.cdrpipeline.flink.cdr.CdrEventTime' LANGUAGE JAVA
