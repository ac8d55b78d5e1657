-- logical_calls_columns: the columns of the logical_calls result, written once. One row per
-- logical call (linkedId): first set-up, last end, answered, conversation seconds (wall time
-- with at least one leg answered, never a sum of legs), its legs in order with the party
-- charged for each and why (JSON: record_id, call_id, charged_to, charge, talk_ms), our
-- subscribers on it, and when it was known complete; revision: 0, or how many times a late leg
-- made it emitted again (whole).
-- Grain: one row per logical call.
CREATE TEMPORARY TABLE logical_calls_columns (
  linked_id STRING NOT NULL,
  originating_subscriber STRING,
  calling_number STRING,
  first_setup TIMESTAMP_LTZ(3),
  last_end TIMESTAMP_LTZ(3),
  answered BOOLEAN,
  conversation_seconds DECIMAL(15, 3),
  leg_count INT,
  legs STRING,
  participants ARRAY<STRING>,
  revision INT,
  completed_at TIMESTAMP_LTZ(3)
) WITH ('connector' = 'blackhole')
