-- dead_letters (replay): every rejected record with reason and detail, staged as JSON Lines
-- and turned into Parquet under DIR/dead_letters/ when the replay ends.
CREATE TEMPORARY TABLE dead_letters WITH (
  'connector' = 'filesystem',
  'path' = '${staging_path}/dead_letters',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601'
) LIKE dead_letters_columns (EXCLUDING OPTIONS)
