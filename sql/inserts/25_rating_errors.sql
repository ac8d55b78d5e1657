-- rating_errors: valid final call legs that could not be priced (UNRATED_DESTINATION: the
-- called number matches no tariff prefix; NO_PLAN_IN_FORCE: the call is older than its plan). They are in usage but in no bill until rerated.
-- Feeds: rating_errors (DynamoDB table in streaming, DIR/rating_errors/ in replay).
INSERT INTO rating_errors
SELECT
  record_id, subscriber_id, called_number, call_direction, start_time, end_time, bill_month,
  rating_error AS reason,
  CASE rating_error WHEN 'NO_PLAN_IN_FORCE' THEN 'no plan version in force at the call''s start' ELSE CONCAT('no tariff prefix matches ', called_number) END AS detail
FROM cdr_rated
WHERE rating_error IS NOT NULL
