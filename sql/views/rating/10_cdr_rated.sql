-- cdr_rated (view): every final call leg as cdr_final priced it, under the plan of its subscriber
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
  record_id, call_id, linked_id, subscriber_id, call_type, call_direction,
  start_time, answer_time, end_time, DATE_FORMAT(start_time, 'yyyy-MM') AS bill_month,
  calling_number, calling_country, called_number, called_destination, answered,
  talk_seconds, bytes_sent, bytes_received,
  tariff_prefix, destination, plan, plan_assigned, plan_version, deck_version, bands,
  billable_seconds, amount, tax, currency, rating_error, event_time
FROM cdr_final
