-- NORMALISE_NUMBERS(calling, called, country): both numbers in E.164, normalised from national
-- or 00/011 forms with phonenumbers (country = the subscriber's, for national forms), or a
-- reject reason. Python (udfs/numbering.py); the job sends it only records with needs_e164.
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS normalise_numbers
  AS 'udfs.flink_functions.normalise_numbers' LANGUAGE PYTHON
