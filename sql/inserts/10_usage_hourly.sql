-- usage_hourly: per subscriber and hour (event time UTC: a leg's endTime; a logical call's
-- last end, see call_summaries): legs (calls), answered legs and talk seconds (as cdr_valid
-- defines them), set-up-to-end seconds (a started second counts), MO/MT and per-callType leg
-- counts, media bytes; and the logical calls the subscriber took part in, each once, and how
-- many of them were answered (usage_events); spend: the rated amount of the subscriber's legs. 1 h tumbling window; a window closes ${watermark_lateness_s} s after its end.
-- Feeds: usage_hourly (DynamoDB table in streaming, DIR/usage_hourly/ in replay).
INSERT INTO usage_hourly
SELECT
  subscriber_id,
  window_start,
  window_end,
  COUNT(*) FILTER (WHERE is_leg) AS calls,
  COUNT(*) FILTER (WHERE is_leg AND answered) AS answered_calls,
  COALESCE(SUM(started_seconds(start_time, end_time)) FILTER (WHERE is_leg), 0) AS duration_seconds,
  COALESCE(SUM(talk_seconds) FILTER (WHERE is_leg), 0) AS talk_seconds,
  COUNT(*) FILTER (WHERE is_leg AND call_direction = 'MOBILE_ORIGINATED') AS mo_calls,
  COUNT(*) FILTER (WHERE is_leg AND call_direction = 'MOBILE_TERMINATED') AS mt_calls,
  COUNT(*) FILTER (WHERE is_leg AND call_type = 'VOICE') AS voice_calls,
  COUNT(*) FILTER (WHERE is_leg AND call_type = 'VIDEO') AS video_calls,
  COUNT(*) FILTER (WHERE is_leg AND call_type = 'CONFERENCE') AS conference_calls,
  SUM(COALESCE(bytes_sent, 0)) AS bytes_sent,
  SUM(COALESCE(bytes_received, 0)) AS bytes_received,
  CAST(SUM(call_count) AS BIGINT) AS logical_calls,
  CAST(SUM(answered_call_count) AS BIGINT) AS answered_logical_calls,
  CAST(SUM(amount) AS DECIMAL(20, 6)) AS spend,
  CASE WHEN MIN(currency) = MAX(currency) THEN MIN(currency) END AS spend_currency
FROM TABLE(TUMBLE(TABLE usage_events, DESCRIPTOR(event_time), INTERVAL '1' HOUR))
GROUP BY subscriber_id, window_start, window_end
