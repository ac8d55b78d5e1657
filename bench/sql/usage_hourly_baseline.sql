-- usage_hourly_baseline: the job's hourly usage (STOP only, each recordId once, 1 h tumbling
-- window per subscriber) computed by JVM SQL alone into a blackhole: the bar the job is
-- measured against.
INSERT INTO usage_hourly_baseline
SELECT
  callingParty.subscriberId, window_start, window_end, COUNT(*),
  COUNT(*) FILTER (WHERE answerTime IS NOT NULL AND terminationReason = 'NORMAL'),
  SUM(COALESCE(dataUsage.bytesSent, 0) + COALESCE(dataUsage.bytesReceived, 0))
FROM TABLE(TUMBLE(TABLE cdr_json_final, DESCRIPTOR(event_time), INTERVAL '1' HOUR))
GROUP BY callingParty.subscriberId, window_start, window_end
