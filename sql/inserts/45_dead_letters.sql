-- dead_letters: every rejected record with its raw text, reason code and detail, and where it
-- came from (Kinesis shard and sequence number, or the replayed file).
-- Feeds: dead_letters (DynamoDB table in streaming, DIR/dead_letters/ in replay).
-- A record over 64 KiB (RECORD_TOO_LARGE) keeps its first 64 Ki characters here (DynamoDB items
-- stop at 400 KB, and a dead letter must never be what fails the job); the S3 dead-letter
-- store keeps it whole.
INSERT INTO dead_letters
SELECT
  CASE WHEN CHAR_LENGTH(raw_record) > 65536 THEN SUBSTRING(raw_record FROM 1 FOR 65536) ELSE raw_record END,
  CHAR_LENGTH(raw_record) > 65536,
  reason, detail, source_partition, source_offset, ingest_time
FROM cdr_rejected
