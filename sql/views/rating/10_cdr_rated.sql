-- cdr_rated (view): every final call leg (cdr_final) priced under the plan of its subscriber
-- (RATE_LEG, the rules of domain/tariff_plans.py, docs/tariffs.md): the plan version and deck
-- version in force at its startTime, increments from its answer, each in the time band in
-- force at its start; MT legs cost 0; an MO leg whose number matches no prefix has
-- rating_error UNRATED_DESTINATION (one before its plan's first version, NO_PLAN_IN_FORCE) and is
-- never billed; a service number (called_number_type SERVICE) is rated by the service entries
-- of the caller's country, free when none matches.
-- bill_month: the UTC month of the leg's startTime. Money: DECIMAL(18, 6), rounded per call by
-- the plan; currency: the plan's.
-- Grain: one row per call leg.
CREATE TEMPORARY VIEW cdr_rated AS
SELECT
  f.record_id, f.call_id, f.linked_id, f.subscriber_id, f.call_type, f.call_direction,
  f.start_time, f.answer_time, f.end_time, DATE_FORMAT(f.start_time, 'yyyy-MM') AS bill_month,
  f.calling_number, f.calling_country, f.called_number, f.called_destination, f.answered,
  f.talk_seconds, f.bytes_sent, f.bytes_received,
  r.tariff_prefix, r.destination, r.plan, r.plan_assigned, r.plan_version, r.deck_version, r.bands,
  r.billable_seconds, r.amount, r.tax, r.currency, r.rating_error, f.event_time
FROM cdr_final AS f
CROSS JOIN LATERAL TABLE(rate_leg(f.subscriber_id, f.called_number, f.calling_country, f.call_direction,
  f.start_time, CASE WHEN f.answered THEN f.answer_time END, f.talk_seconds)) AS r
