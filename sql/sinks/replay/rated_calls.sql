-- rated_calls (replay): every rated call leg and whose bill it went on, written by Flink as Parquet
-- (zstd) under DIR/rated_calls/ (money as decimal(18, 6)).
CREATE TEMPORARY TABLE rated_calls (
  record_id STRING, call_id STRING, linked_id STRING, subscriber_id STRING,
  billed_subscriber_id STRING, call_type STRING,
  call_direction STRING, start_time TIMESTAMP_LTZ(3), answer_time TIMESTAMP_LTZ(3),
  end_time TIMESTAMP_LTZ(3), bill_month STRING, called_number STRING, answered BOOLEAN,
  talk_seconds BIGINT, tariff_prefix STRING, destination STRING, plan STRING, plan_assigned BOOLEAN,
  plan_version STRING, deck_version STRING, bands STRING, billable_seconds BIGINT, amount DECIMAL(18, 6),
  tax DECIMAL(18, 6), currency STRING
) WITH (
  'connector' = 'filesystem',
  'path' = '${output_path}/rated_calls',
  'format' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'parquet.write.int64.timestamp' = 'true',
  'parquet.timestamp.time.unit' = 'millis',
  'parquet.utc-timezone' = 'true'
)
