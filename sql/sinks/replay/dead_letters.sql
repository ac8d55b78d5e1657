-- dead_letters (replay): every rejected record with reason and detail, written by Flink as Parquet
-- (zstd) under DIR/dead_letters/.
CREATE TEMPORARY TABLE dead_letters WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/dead_letters',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
) LIKE dead_letters_columns (EXCLUDING OPTIONS)
