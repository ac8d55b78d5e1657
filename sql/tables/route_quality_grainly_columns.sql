-- route_quality_${grain}ly_columns: the columns of the route_quality_${grain}ly result, written
-- once for both grains (definitions: sql/views/quality/20_route_quality_by_grain.sql). dimensions =
-- 'country|trunk|direction' (the DynamoDB sort key); expires_at: epoch seconds when the item
-- may go (DynamoDB TTL, 35 days on).
-- Grain: one row per ${grain} and route.
CREATE TEMPORARY TABLE route_quality_${grain}ly_columns (
  ${grain}_start TIMESTAMP(3) NOT NULL,
  dimensions STRING NOT NULL,
  destination_country STRING,
  trunk STRING,
  direction STRING,
  attempts BIGINT,
  answered BIGINT,
  effective BIGINT,
  asr DOUBLE,
  ner DOUBLE,
  acd_s DOUBLE,
  aloc_s DOUBLE,
  rang BIGINT,
  pdd_mean_ms DOUBLE,
  pdd_p95_ms DOUBLE,
  with_mos BIGINT,
  mos_mean DOUBLE,
  mos_poor_share DOUBLE,
  jitter_mean_ms DOUBLE,
  packet_loss_mean_pct DOUBLE,
  latency_mean_ms DOUBLE,
  expires_at BIGINT
) WITH ('connector' = 'blackhole')
