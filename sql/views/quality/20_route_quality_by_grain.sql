-- route_quality_by_${grain} (view): call quality per ${grain} (event time, UTC) and route —
-- destination country, trunk, direction — over final legs (route_events). ASR = answered /
-- attempts; NER = effective / attempts (ITU-T E.425); ACD = talk seconds / answered (seconds);
-- ALOC = holding time (set-up to end, ringing included) / attempts (seconds); PDD over the legs
-- that rang: mean and 95th percentile (linear between the closest ranks), ms; MOS over the legs
-- with QoS: mean and the share below 3.5; mean jitter (ms), packet loss (%) and latency (ms).
-- A ratio over no leg is NULL. Tumbling window of one ${grain}; rendered per grain (minute, hour:
-- the PDD percentile is exact at each, which a cascade of minute rows could not give).
-- Grain: one row per ${grain} and route with at least one leg.
-- Feeds: route_quality_${grain}ly (DynamoDB in streaming, DIR/route_quality_${grain}ly/ in replay)
-- and Timestream (measure route_${grain}, jobs/metrics_sink.py).
CREATE TEMPORARY VIEW route_quality_by_${grain} AS
SELECT
  window_start AS ${grain}_start,
  destination_country,
  trunk,
  direction,
  COUNT(*) AS attempts,
  SUM(CASE WHEN answered THEN 1 ELSE 0 END) AS answered,
  SUM(CASE WHEN effective THEN 1 ELSE 0 END) AS effective,
  CAST(SUM(CASE WHEN answered THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*) AS asr,
  CAST(SUM(CASE WHEN effective THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*) AS ner,
  CAST(SUM(talk_seconds) AS DOUBLE) / NULLIF(SUM(CASE WHEN answered THEN 1 ELSE 0 END), 0) AS acd_s,
  CAST(SUM(holding_ms) AS DOUBLE) / 1000 / COUNT(*) AS aloc_s,
  COUNT(pdd_ms) AS rang,
  AVG(CAST(pdd_ms AS DOUBLE)) AS pdd_mean_ms,
  PERCENTILE(pdd_ms, 0.95) AS pdd_p95_ms,
  COUNT(qos_mos) AS with_mos,
  AVG(qos_mos) AS mos_mean,
  CAST(SUM(CASE WHEN qos_mos < 3.5 THEN 1 ELSE 0 END) AS DOUBLE) / NULLIF(COUNT(qos_mos), 0) AS mos_poor_share,
  AVG(qos_jitter_ms) AS jitter_mean_ms,
  AVG(qos_packet_loss_pct) AS packet_loss_mean_pct,
  AVG(qos_latency_ms) AS latency_mean_ms
FROM TABLE(TUMBLE(TABLE route_events, DESCRIPTOR(event_time), INTERVAL '1' ${grain}))
GROUP BY window_start, window_end, destination_country, trunk, direction
