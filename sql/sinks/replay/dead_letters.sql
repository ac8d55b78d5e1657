-- dead_letters (replay): every rejected record with reason and detail, staged as JSON Lines
-- and turned into Parquet under DIR/dead_letters/ when the replay ends.
CREATE TEMPORARY TABLE dead_letters (
  raw_record STRING,
  raw_truncated BOOLEAN,
  reason STRING,
  detail STRING,
  source_partition STRING,
  source_offset STRING,
  ingest_time TIMESTAMP_LTZ(3)
) WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/dead_letters',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601'
)
