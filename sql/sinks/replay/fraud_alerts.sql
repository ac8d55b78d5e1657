-- fraud_alerts (replay): one row per alert_id, its latest (an escalation replaces its warning,
-- as the stream's upsert does; jobs/pipeline.LATEST_ROW), Parquet (zstd) under DIR/fraud_alerts/.
CREATE TEMPORARY TABLE fraud_alerts WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/fraud_alerts',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
) LIKE fraud_alerts_columns (EXCLUDING OPTIONS)
