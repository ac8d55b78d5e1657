-- billing_monthly (replay): written by Flink as Parquet (zstd) under DIR/billing_monthly/ (money as
-- decimal).
CREATE TEMPORARY TABLE billing_monthly WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/billing_monthly',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
) LIKE billing_monthly_columns (EXCLUDING OPTIONS)
