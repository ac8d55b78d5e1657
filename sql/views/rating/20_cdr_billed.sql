-- cdr_billed (view): every rated leg (cdr_rated) with the subscriber whose bill it goes on —
-- billing is per charged leg. A call of one leg (no linkedId) is billed to its own
-- subscriber at once. A leg of a multi-leg call waits for leg attribution (multi_leg_billing,
-- jobs/logical_calls.py, once its call is complete): a forwarded or transferred leg goes on the
-- redirecting subscriber's bill, any other leg on its own subscriber's (unanswered and incoming
-- legs cost nothing there but count as calls). If a late leg changes a leg's payer, the latest
-- decision wins and the bill it left is corrected. A leg waits for its call in state for at
-- most ${billing_state_ttl}. month_currency ('yyyy-MM/EUR'): which of the payer's bills.
-- Grain: one row per call leg. Feeds: billing_monthly, rated_calls.
CREATE TEMPORARY VIEW cdr_billed AS
SELECT subscriber_id AS billed_subscriber_id, CONCAT(bill_month, '/', currency) AS month_currency,
       record_id, call_id, linked_id, subscriber_id, call_type, call_direction, start_time, answer_time,
       end_time, bill_month, called_number, answered, talk_seconds, tariff_prefix, destination, plan,
       plan_assigned, plan_version, deck_version, bands, billable_seconds, amount, tax, currency, rating_error
FROM cdr_rated
WHERE linked_id IS NULL
UNION ALL
SELECT /*+ STATE_TTL('r' = '${billing_state_ttl}', 'b' = '${billing_state_ttl}') */
       b.billed_subscriber_id, CONCAT(r.bill_month, '/', r.currency),
       r.record_id, r.call_id, r.linked_id, r.subscriber_id, r.call_type, r.call_direction, r.start_time,
       r.answer_time, r.end_time, r.bill_month, r.called_number, r.answered, r.talk_seconds, r.tariff_prefix,
       r.destination, r.plan, r.plan_assigned, r.plan_version, r.deck_version, r.bands, r.billable_seconds,
       r.amount, r.tax, r.currency, r.rating_error
FROM cdr_rated AS r
JOIN (
  SELECT record_id, billed_subscriber_id
  FROM (SELECT record_id, billed_subscriber_id,
               ROW_NUMBER() OVER (PARTITION BY record_id ORDER BY revision DESC) AS latest
        FROM multi_leg_billing)
  WHERE latest = 1
) AS b ON r.record_id = b.record_id
WHERE r.linked_id IS NOT NULL
