-- multi_leg_billing (view made in Python: leg attribution, jobs/logical_calls.py): whose bill
-- each leg of a multi-leg call goes on (domain/legs.py: ChargedLeg.billed_to), written when
-- a leg is first attributed and again only if a revision of its call changes it.
-- Grain: one row per (leg, revision that set its payer).
-- Read by: cdr_billed (the latest revision per leg wins). This declaration is the view's
-- contract: tests/integration/test_python_stages.py holds the Python stage to its columns.
CREATE TEMPORARY TABLE multi_leg_billing (
  record_id STRING,
  billed_subscriber_id STRING,
  revision INT
) WITH ('connector' = 'datagen', 'number-of-rows' = '0')
