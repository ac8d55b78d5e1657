-- fraud_blocks (replay): the blocks the replayed alerts would have asked for, staged as JSON
-- Lines and turned into Parquet under DIR/fraud_blocks/ when the replay ends (a replay never
-- writes the live block list).
CREATE TEMPORARY TABLE fraud_blocks WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/fraud_blocks',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601'
) LIKE fraud_blocks_columns (EXCLUDING OPTIONS)
