-- RATE_LEG(subscriber_id, called_number, calling_country, call_direction, start_time,
-- answer_time, talk_seconds): one final call leg priced under its subscriber's plan
-- (docs/tariffs.md; answer_time NULL: unanswered): plan, plan_assigned (FALSE: the default
-- plan), plan_version, deck_version, bands (in call order, comma-separated), currency,
-- tariff_prefix, destination, billable_seconds, amount and tax (DECIMAL(18, 6), rounded by the
-- plan), or rating_error (UNRATED_DESTINATION, NO_PLAN_IN_FORCE). JVM (RateLeg.java) with the
-- tariff folder of the job's CdrBilling configuration, re-read while the job runs when it is a
-- URI; the rules are domain/tariff_plans.py's.
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS rate_leg
  AS 'org.cdrpipeline.flink.rating.RateLeg' LANGUAGE JAVA
