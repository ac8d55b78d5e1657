-- route_causes_${grain}ly_columns: the columns of the route_causes_${grain}ly result, written
-- once for both grains: per ${grain} (UTC) and route, how many final legs ended with each ITU-T
-- Q.850 hangup cause (-1: the record has none). dimensions = 'country|trunk|direction|cause' (the DynamoDB sort
-- key); expires_at: epoch seconds when the item may go (DynamoDB TTL, 35 days on).
-- Grain: one row per ${grain}, route and cause.
CREATE TEMPORARY TABLE route_causes_${grain}ly_columns (
  ${grain}_start TIMESTAMP(3) NOT NULL,
  dimensions STRING NOT NULL,
  destination_country STRING,
  trunk STRING,
  direction STRING,
  hangup_cause BIGINT,
  legs BIGINT,
  expires_at BIGINT
) WITH ('connector' = 'blackhole')
