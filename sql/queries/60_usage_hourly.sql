-- usage_hourly: per subscriber and hour (event time = the leg's endTime, UTC), over final
-- deduplicated legs: calls, answered calls and talk seconds (as cdr_valid defines them),
-- set-up-to-end seconds (a started second counts), MO/MT and per-callType counts,
-- media bytes. 1 h tumbling window; a window closes ${watermark_lateness_s} s after its end.
-- Feeds: usage_hourly (DynamoDB table in streaming, DIR/usage_hourly/ in replay).
INSERT INTO usage_hourly
SELECT
  subscriber_id,
  window_start,
  window_end,
  COUNT(*) AS calls,
  COUNT(*) FILTER (WHERE answered) AS answered_calls,
  SUM(started_seconds(start_time, end_time)) AS duration_seconds,
  SUM(talk_seconds) AS talk_seconds,
  COUNT(*) FILTER (WHERE call_direction = 'MOBILE_ORIGINATED') AS mo_calls,
  COUNT(*) FILTER (WHERE call_direction = 'MOBILE_TERMINATED') AS mt_calls,
  COUNT(*) FILTER (WHERE call_type = 'VOICE') AS voice_calls,
  COUNT(*) FILTER (WHERE call_type = 'VIDEO') AS video_calls,
  COUNT(*) FILTER (WHERE call_type = 'CONFERENCE') AS conference_calls,
  SUM(COALESCE(bytes_sent, 0)) AS bytes_sent,
  SUM(COALESCE(bytes_received, 0)) AS bytes_received
FROM TABLE(TUMBLE(TABLE cdr_final, DESCRIPTOR(event_time), INTERVAL '1' HOUR))
GROUP BY subscriber_id, window_start, window_end
