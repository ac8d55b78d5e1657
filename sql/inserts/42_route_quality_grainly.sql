-- route_quality_${grain}ly: call quality per ${grain} and route as a table (the operations
-- dashboard's quality panel reads the minutes); rendered per grain (minute, hour). expires_at:
-- 35 days after the ${grain} (the archive keeps every leg for longer looks: sql/analyst/).
-- Grain: one row per ${grain} and route.
-- Feeds: route_quality_${grain}ly (DynamoDB table in streaming, DIR/route_quality_${grain}ly/ in replay).
INSERT INTO route_quality_${grain}ly
SELECT ${grain}_start, CONCAT_WS('|', destination_country, trunk, direction), destination_country, trunk, direction,
       attempts, answered, effective, asr, ner, acd_s, aloc_s, rang, pdd_mean_ms, pdd_p95_ms, with_mos, mos_mean,
       mos_poor_share, jitter_mean_ms, packet_loss_mean_pct, latency_mean_ms,
       epoch_millis(CAST(${grain}_start AS TIMESTAMP_LTZ(3))) / 1000 + 35 * 86400
FROM route_quality_by_${grain}
