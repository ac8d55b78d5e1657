-- rated_calls: every rated call leg with its price, what priced it (plan, versions, bands) and
-- the subscriber whose bill it went on (cdr_billed): the per-call detail behind the bills, and
-- what a rerating (ops/rerate.py) compares leg by leg with the price the stream archived.
-- Feeds: rated_calls (DIR/rated_calls/ in replay).
INSERT INTO rated_calls
SELECT
  record_id, call_id, COALESCE(linked_id, call_id) AS linked_id, subscriber_id, billed_subscriber_id, call_type,
  call_direction, start_time, answer_time, end_time, bill_month, called_number, answered, talk_seconds,
  tariff_prefix, destination, plan, plan_assigned, plan_version, deck_version, bands, billable_seconds, amount,
  tax, currency
FROM cdr_billed
WHERE rating_error IS NULL
