-- logical_calls (replay): one row per linked_id, its latest summary (what the stream's upsert
-- leaves in DynamoDB; the replay keeps it: jobs/pipeline.LATEST_ROW), Parquet (zstd) under
-- DIR/logical_calls/.
CREATE TEMPORARY TABLE logical_calls WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/logical_calls',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
) LIKE logical_calls_columns (EXCLUDING OPTIONS)
