-- route_quality_minutely: call quality per minute and route as a table, what the operations
-- dashboard's quality panel reads.
-- Feeds: route_quality_minutely (DynamoDB table in streaming, DIR/route_quality_minutely/ in replay).
INSERT INTO route_quality_minutely
SELECT minute_start, CONCAT_WS('|', destination_country, trunk, direction), destination_country, trunk, direction,
       attempts, answered, effective, asr, ner, acd_s, aloc_s, rang, pdd_mean_ms, pdd_p95_ms, with_mos, mos_mean,
       mos_poor_share, jitter_mean_ms, packet_loss_mean_pct, latency_mean_ms,
       epoch_millis(CAST(minute_start AS TIMESTAMP_LTZ(3))) / 1000 + 35 * 86400
FROM route_quality_by_minute
