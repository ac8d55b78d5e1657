-- cdr_archive: every distinct valid record, raw and parsed, priced when final, partitioned by
-- its event time's UTC date and hour (see cdr_archived).
-- Feeds: cdr_archive (S3 Parquet in streaming; DIR/cdr_archive/ in replay with --archive).
INSERT INTO cdr_archive
SELECT * FROM cdr_archived
