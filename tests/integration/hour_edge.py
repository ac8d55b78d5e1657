"""Calls that end in the last quiet period of an hour (the integration traffic has them), and
the check that usage counts each in the hour it ended, in streaming and in replay alike."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from synthetic.traffic import CallPlan, Subscriber, TrafficSpec, build_call, subscriber_base


def hour_edge_calls(spec: TrafficSpec) -> list[tuple[datetime, dict[str, Any]]]:
    """A one-leg call with a linkedId ending at 01:59:45, one without ending at 04:59:59.5, and
    a two-leg call (two of our subscribers) whose last leg ends at 03:59:50: each counted in the
    hour it ended, not the next (leg attribution waits a quiet period after the end)."""
    alice, bob, carol = subscriber_base(spec)[:3]
    rng = random.Random(spec.seed)

    def leg(who: Subscriber, call_id: str, linked: str | None, sequence: int, end: str, talk_s: float) -> \
            list[tuple[datetime, dict[str, Any]]]:
        setup = datetime.fromisoformat(end) - timedelta(seconds=talk_s + 4)
        plan = CallPlan(who, "MOBILE_ORIGINATED", "+442079460958", "LANDLINE", setup, 4.0, talk_s, "NORMAL",
                        call_id=call_id, linked_id=linked, leg_sequence=sequence)
        return build_call(plan, rng)

    return [*leg(alice, "edge-1", "edge-1", 1, "2026-11-01T01:59:45+00:00", 100),
            *leg(bob, "edge-2a", "edge-2", 1, "2026-11-01T03:50:00+00:00", 300),
            *leg(carol, "edge-2b", "edge-2", 2, "2026-11-01T03:59:50+00:00", 200),
            *leg(carol, "edge-3", None, 1, "2026-11-01T04:59:59.500+00:00", 50)]


# (subscriber, hour) of each edge call above: counted there, and no row of the hour after with
# no leg in it (the count used to move a call to the hour it was known complete).
HOUR_EDGE_ROWS = [("sub-000000", datetime(2026, 11, 1, 1)), ("sub-000001", datetime(2026, 11, 1, 3)),
                  ("sub-000002", datetime(2026, 11, 1, 3)), ("sub-000002", datetime(2026, 11, 1, 4))]


def assert_counted_in_the_hour_they_ended(usage: dict[tuple[str, datetime], dict[str, int]]) -> None:
    for subscriber, hour in HOUR_EDGE_ROWS:
        assert usage[(subscriber, hour)]["logical_calls"] >= 1
        after = usage.get((subscriber, hour + timedelta(hours=1)))
        assert after is None or after["calls"] > 0, f"{subscriber}: a row of {hour + timedelta(hours=1)} with no leg"


def sent_at(record: dict[str, Any]) -> datetime:
    """When a PBX sends a record: a STOP at its end, a START at set-up, an INTERIM when due."""
    start = datetime.fromisoformat(record["startTime"].replace("Z", "+00:00"))
    if record["recordType"] == "STOP":
        return datetime.fromisoformat(record["endTime"].replace("Z", "+00:00"))
    return start + timedelta(seconds=record.get("duration", 0))
