-- pipeline_minutely (replay): records read per minute, staged as JSON Lines and turned into
-- Parquet under DIR/pipeline_minutely/ when the replay ends.
CREATE TEMPORARY TABLE pipeline_minutely WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/pipeline_minutely',
  'format' = 'json'
) LIKE pipeline_minutely_columns (EXCLUDING OPTIONS)
