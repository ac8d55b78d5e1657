-- dead_letter_store: the rejected records (cdr_rejected) and the final legs no tariff prices
-- (cdr_final with a rating_error), each whole with its reason, detail and place in the stream.
-- Feeds: dead_letter_store (S3 Parquet, streaming).
INSERT INTO dead_letter_store
SELECT raw_record, reason, detail, CAST(NULL AS STRING), '${stream_arn}', source_partition, source_offset,
       ingest_time, DATE_FORMAT(ingest_time, 'yyyy-MM-dd')
FROM cdr_rejected
UNION ALL
SELECT raw_record, rating_error, CASE rating_error WHEN 'NO_PLAN_IN_FORCE' THEN 'no plan version in force at the call''s start' ELSE CONCAT('no tariff prefix matches ', called_number) END, record_id,
       '${stream_arn}', source_partition, source_offset, ingest_time, DATE_FORMAT(ingest_time, 'yyyy-MM-dd')
FROM cdr_final
WHERE rating_error IS NOT NULL
