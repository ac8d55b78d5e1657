-- RATE_CALL(called_number, calling_country, call_direction, answered, talk_seconds): one call
-- leg's tariff prefix, destination, rate, connect fee, billable seconds, amount and tax
-- (DECIMAL(18, 6)), or rating_error; a service number is rated in the caller's country. JVM (RateCall.java) with the tariff and tax rate of the job's CdrBilling
-- configuration; the rules are domain/rating.py's.
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS rate_call
  AS 'org.cdrpipeline.flink.rating.RateCall' LANGUAGE JAVA
