-- rating_errors_columns: the columns of the rating errors, written once; each profile's sink
-- takes them with LIKE. Grain: one row per call leg that could not be priced.
CREATE TEMPORARY TABLE rating_errors_columns (
  record_id STRING NOT NULL,
  subscriber_id STRING,
  called_number STRING,
  call_direction STRING,
  start_time TIMESTAMP_LTZ(3),
  end_time TIMESTAMP_LTZ(3),
  bill_month STRING,
  reason STRING,
  detail STRING
) WITH ('connector' = 'blackhole')
