-- EPOCH_MILLIS(t): an instant as milliseconds since the Unix epoch (NULL for NULL): how times
-- cross into the Python fraud rules.
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS epoch_millis
  AS 'org.cdrpipeline.flink.cdr.EpochMillis' LANGUAGE JAVA
