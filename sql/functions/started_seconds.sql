-- STARTED_SECONDS(from, to): whole seconds between two instants, a started second counting as
-- one (telephony's convention); 0 when either is NULL.
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS started_seconds
  AS 'org.cdrpipeline.flink.cdr.StartedSeconds' LANGUAGE JAVA
