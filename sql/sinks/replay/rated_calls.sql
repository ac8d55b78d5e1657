-- rated_calls (replay): every rated call leg and whose bill it went on, staged as JSON Lines and turned into Parquet
-- under DIR/rated_calls/ when the replay ends (money as decimal(18, 6)).
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
  'path' = '${staging_path}/rated_calls',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601',
  'json.encode.decimal-as-plain-number' = 'true'
)
