"""The alert lifecycle (domain/alert_status.py): which status may follow which, and the marks per rule."""

from __future__ import annotations

import pytest

from domain.alert_status import AlertStatus, Status, TransitionError, change, marks_by_rule


def test_an_alerts_status_moves_as_the_fraud_desk_decides_and_keeps_its_history() -> None:
    acked = change(None, "a1", Status.ACKNOWLEDGED, "alice", 1, "looking", "t1")
    closed = change(acked, "a1", Status.FALSE_POSITIVE, "bob", 2, "family abroad", "t2")
    assert (closed.status, closed.changed_by, closed.history) == (
        Status.FALSE_POSITIVE, "bob", ("t1 ACKNOWLEDGED by alice: looking", "t2 FALSE_POSITIVE by bob: family abroad"))
    with pytest.raises(TransitionError, match="a1 is FALSE_POSITIVE: it can become OPEN, not RESOLVED"):
        change(closed, "a1", Status.RESOLVED, "carol", 3, "", "t3")
    with pytest.raises(TransitionError, match="say who"):
        change(None, "a1", Status.RESOLVED, " ", 3, "", "t3")
    assert change(closed, "a1", Status.OPEN, "carol", 3, "", "t3").history[-1] == "t3 OPEN by carol"


def test_marks_count_reviewed_alerts_and_false_positives_per_rule() -> None:
    alerts = [{"alert_id": f"a{n}", "rule": "VELOCITY"} for n in range(4)] + [{"alert_id": "w", "rule": "WANGIRI"}]
    statuses = {"a0": AlertStatus("a0", Status.FALSE_POSITIVE, "x", 0),
                "a1": AlertStatus("a1", Status.RESOLVED, "x", 0),
                "a2": AlertStatus("a2", Status.ACKNOWLEDGED, "x", 0)}
    velocity, wangiri = marks_by_rule(alerts, statuses)
    assert (velocity.alerts, velocity.reviewed, velocity.false_positives, velocity.false_positive_share) == \
        (4, 2, 1, 0.5)
    assert (wangiri.rule, wangiri.reviewed, wangiri.false_positive_share) == ("WANGIRI", 0, None)
