"""What the fraud desk did with an alert: open, acknowledged, resolved or a false positive, who
said so and when — and, from those marks, how often each rule was wrong.

Plain Python, no I/O. The status lives beside the alert, not in it (ops/alerts.py writes it to
its own table): the job upserts alerts whole, and an escalation or a replayed alert must never
wipe what a person decided. An alert without a status is open.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


class Status(enum.StrEnum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"
    FALSE_POSITIVE = "FALSE_POSITIVE"


# Which status may follow which: a closed alert (resolved, false positive) is reopened first.
NEXT: Mapping[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.ACKNOWLEDGED, Status.RESOLVED, Status.FALSE_POSITIVE}),
    Status.ACKNOWLEDGED: frozenset({Status.OPEN, Status.RESOLVED, Status.FALSE_POSITIVE}),
    Status.RESOLVED: frozenset({Status.OPEN}),
    Status.FALSE_POSITIVE: frozenset({Status.OPEN}),
}


class TransitionError(ValueError):
    """A status that cannot follow the alert's current one."""


@dataclass(frozen=True)
class AlertStatus:
    alert_id: str
    status: Status
    changed_by: str
    changed_at_ms: int
    note: str = ""
    history: tuple[str, ...] = ()  # earlier changes, oldest first, as "time STATUS by who: note"


def change(current: AlertStatus | None, alert_id: str, status: Status, by: str, at_ms: int, note: str,
           describe_time: str) -> AlertStatus:
    """The alert's status after a person sets it (`describe_time`: `at_ms` as the history shows
    it); TransitionError when it cannot follow the current one."""
    before = current.status if current else Status.OPEN
    if status not in NEXT[before]:
        raise TransitionError(f"alert {alert_id} is {before.value}: it can become "
                              f"{', '.join(sorted(s.value for s in NEXT[before]))}, not {status.value}")
    if not by.strip():
        raise TransitionError("say who changes the status")
    entry = f"{describe_time} {status.value} by {by}" + (f": {note}" if note else "")
    history = (current.history if current else ()) + (entry,)
    return AlertStatus(alert_id, status, by, at_ms, note, history)


@dataclass(frozen=True)
class RuleMarks:
    rule: str
    alerts: int
    false_positives: int
    reviewed: int  # resolved or false positive: a person decided

    @property
    def false_positive_share(self) -> float | None:
        """False positives among the reviewed alerts (None: none reviewed yet)."""
        return self.false_positives / self.reviewed if self.reviewed else None


def marks_by_rule(alerts: Iterable[Mapping[str, str]], statuses: Mapping[str, AlertStatus]) -> list[RuleMarks]:
    """Per rule: its alerts, how many were marked false positive, how many were reviewed."""
    counts: dict[str, list[int]] = {}
    for alert in alerts:
        status = statuses.get(alert["alert_id"])
        row = counts.setdefault(alert["rule"], [0, 0, 0])
        row[0] += 1
        if status is not None and status.status is Status.FALSE_POSITIVE:
            row[1] += 1
        if status is not None and status.status in (Status.FALSE_POSITIVE, Status.RESOLVED):
            row[2] += 1
    return [RuleMarks(rule, *values) for rule, values in sorted(counts.items())]
