-- dead_letters: every rejected record with its raw text, reason code and detail, and where it
-- came from (Kinesis shard and sequence number, or the replayed file).
-- Feeds: dead_letters (DynamoDB table in streaming, DIR/dead_letters/ in replay).
INSERT INTO dead_letters
SELECT raw_record, raw_truncated, reason, detail, source_partition, source_offset, ingest_time
FROM cdr_rejected
