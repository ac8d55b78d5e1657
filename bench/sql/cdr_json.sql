-- cdr_json (baseline source): the same CDR files read with Flink's own JSON format, only the
-- columns the hourly usage needs. No record is kept when it is not JSON (the format drops or
-- fails it): the price of the baseline's speed that the job does not pay.
CREATE TEMPORARY TABLE cdr_json (
  recordId STRING,
  recordType STRING,
  startTime STRING,
  answerTime STRING,
  endTime STRING,
  callType STRING,
  callDirection STRING,
  terminationReason STRING,
  callingParty ROW<subscriberId STRING>,
  dataUsage ROW<bytesSent BIGINT, bytesReceived BIGINT>,
  event_time AS TO_TIMESTAMP_LTZ(COALESCE(endTime, startTime), 'yyyy-MM-dd''T''HH:mm:ss.SSSX'),
  WATERMARK FOR event_time AS event_time - INTERVAL '60' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = '${input_path}',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
)
