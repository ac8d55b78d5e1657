-- cdr_archive: every valid record, all its columns and where it came from, for audit,
-- backfill and rerating.
-- Feeds: cdr_archive (DIR/cdr_archive/ in replay with --archive; the S3 archive later).
INSERT INTO cdr_archive
SELECT * FROM cdr_valid
