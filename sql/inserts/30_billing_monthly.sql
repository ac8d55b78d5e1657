-- billing_monthly: per subscriber, calendar month (UTC, month of the leg's startTime) and
-- currency (its plan's) over the rated legs, each on the bill of the subscriber charged for it
-- (cdr_billed): calls, answered calls, talk and billable seconds, amount, tax, total, and the
-- same per callType. Money is DECIMAL, summed exactly. In streaming it is a running total
-- upserted as calls come in (each month's state lives ${billing_state_ttl}); replaying the
-- same input gives the same rows, never a double add. A rerating (ops/rerate.py) never writes
-- here: it writes billing_adjustments, so the job's running totals and the corrections never race.
-- Feeds: billing_monthly (DynamoDB table in streaming, DIR/billing_monthly/ in replay).
INSERT INTO billing_monthly
SELECT /*+ STATE_TTL('cdr_billed' = '${billing_state_ttl}') */
  billed_subscriber_id AS subscriber_id,
  month_currency,
  SPLIT_INDEX(month_currency, '/', 0) AS bill_month,
  SPLIT_INDEX(month_currency, '/', 1) AS currency,
  COUNT(*) AS calls,
  COUNT(*) FILTER (WHERE answered) AS answered_calls,
  SUM(talk_seconds) AS talk_seconds,
  SUM(billable_seconds) AS billable_seconds,
  CAST(SUM(amount) AS DECIMAL(20, 6)) AS amount,
  CAST(SUM(tax) AS DECIMAL(20, 6)) AS tax,
  CAST(SUM(amount) + SUM(tax) AS DECIMAL(20, 6)) AS total,
  COUNT(*) FILTER (WHERE call_type = 'VOICE') AS voice_calls,
  CAST(COALESCE(SUM(amount) FILTER (WHERE call_type = 'VOICE'), 0) AS DECIMAL(20, 6)) AS voice_amount,
  COUNT(*) FILTER (WHERE call_type = 'VIDEO') AS video_calls,
  CAST(COALESCE(SUM(amount) FILTER (WHERE call_type = 'VIDEO'), 0) AS DECIMAL(20, 6)) AS video_amount,
  COUNT(*) FILTER (WHERE call_type = 'CONFERENCE') AS conference_calls,
  CAST(COALESCE(SUM(amount) FILTER (WHERE call_type = 'CONFERENCE'), 0) AS DECIMAL(20, 6)) AS conference_amount
FROM cdr_billed
WHERE rating_error IS NULL
GROUP BY billed_subscriber_id, month_currency
