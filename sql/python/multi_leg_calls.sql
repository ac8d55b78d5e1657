-- multi_leg_calls (view made in Python: leg attribution, jobs/logical_calls.py): every emission
-- of a multi-leg call (a linkedId's legs, attributed by domain/legs.py), with its legs and who pays
-- for each (legs: JSON array of {record_id, call_id, charged_to, charge, talk_ms}), its
-- participants, its revision, and the subscribers it counts for the first time
-- (new_participants) or has now become answered for (newly_answered), both JSON arrays.
-- Event time = the last end of the legs it holds (completed_ms).
-- Grain: one row per emission (revision) of a linkedId.
-- Read by: call_summaries, usage_events. This declaration is the view's contract:
-- tests/integration/test_python_stages.py holds the Python stage to its columns.
CREATE TEMPORARY TABLE multi_leg_calls (
  linked_id STRING,
  originating_subscriber STRING,
  calling_number STRING,
  first_setup_ms BIGINT,
  last_end_ms BIGINT,
  answered BOOLEAN,
  conversation_ms BIGINT,
  leg_count INT,
  legs STRING,
  participants STRING,
  revision INT,
  new_participants STRING,
  newly_answered STRING,
  completed_ms BIGINT,
  event_time AS TO_TIMESTAMP_LTZ(completed_ms, 3),
  WATERMARK FOR event_time AS event_time
) WITH ('connector' = 'datagen', 'number-of-rows' = '0')
