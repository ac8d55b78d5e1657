-- cdr_rated (view): every final call leg (cdr_final) priced under the tariff (RATE_CALL, the
-- rules of domain/rating.py) from its answered flag and talk seconds (see cdr_valid); MT legs
-- cost 0; an MO leg whose number matches no tariff prefix has rating_error UNRATED_DESTINATION and is never billed;
-- a service number (called_number_type SERVICE) is rated by the service entries of the caller's country, free
-- when none matches.
-- bill_month: the UTC month of the leg's startTime. Money: DECIMAL(18, 6), half-up per call.
-- Grain: one row per call leg.
CREATE TEMPORARY VIEW cdr_rated AS
SELECT
  f.record_id, f.call_id, f.linked_id, f.subscriber_id, f.call_type, f.call_direction,
  f.start_time, f.answer_time, f.end_time, DATE_FORMAT(f.start_time, 'yyyy-MM') AS bill_month,
  f.calling_number, f.calling_country, f.called_number, f.called_destination, f.answered,
  f.talk_seconds, f.bytes_sent, f.bytes_received,
  r.tariff_prefix, r.destination, r.rate_per_minute, r.connect_fee, r.billable_seconds,
  r.amount, r.tax, '${currency}' AS currency, r.rating_error, f.event_time
FROM cdr_final AS f
CROSS JOIN LATERAL TABLE(rate_call(f.called_number, f.calling_country, f.call_direction, f.answered, f.talk_seconds)) AS r
