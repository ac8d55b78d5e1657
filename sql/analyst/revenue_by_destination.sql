-- Revenue by destination: what this job rated (rated_amount, before tax; rated_tax apart) for
-- outgoing final legs between two dates, per tariff destination, largest first. Money stays
-- decimal(18,6) summed exactly. Unrated legs (rating_error set) are not revenue.
-- Reads: cdr_archive. Parameters: from, to.
SELECT rated_destination AS destination,
       rated_currency AS currency,
       COUNT(*) AS rated_calls,
       SUM(rated_amount) AS revenue,
       SUM(rated_tax) AS tax
FROM cdr_archive
WHERE dt BETWEEN ? AND ? AND record_type = 'STOP' AND call_direction = 'MOBILE_ORIGINATED'
  AND rating_error IS NULL
GROUP BY rated_destination, rated_currency
ORDER BY revenue DESC, destination
