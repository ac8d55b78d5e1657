"""What a person reads when an alert is raised or escalated: an SNS message's subject, text and
attributes (subscriptions filter on rule and severity: SMS for CRITICAL only, say).

Plain Python, no I/O: stream_io/notifications.py publishes what this composes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.blocklist import Block, Kind
from domain.fraud import Alert
from domain.fraud_rules import Rule

SUBJECT_MAX = 100  # SNS refuses a longer subject


@dataclass(frozen=True)
class Notice:
    subject: str
    message: str
    attributes: dict[str, str]


def utc_time(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def compose(alert: Alert, block: Block | None, dashboard_url: str = "") -> Notice:
    """The notice of an alert (and of the block it asked for): rule, who, observed against the
    threshold, the window, the evidence, the action taken, where to look."""
    who = "calling number" if alert.rule is Rule.WANGIRI else "subscriber"
    subject = f"[{alert.severity.value}] {alert.rule.value} {who} {alert.subscriber_id}"
    if block is not None:
        subject += " BLOCKED"
    lines = [f"Fraud alert {alert.severity.value}: {alert.rule.value}",
             f"{who.capitalize()}: {alert.subscriber_id}",
             f"Observed: {alert.observed} (threshold {alert.threshold})",
             f"Window: {utc_time(alert.window_start_ms)} to {utc_time(alert.window_end_ms)}",
             f"Detected: {utc_time(alert.detected_at_ms)}",
             f"Evidence: {len(alert.evidence)} call(s): {', '.join(alert.evidence)}"]
    if block is not None:
        until = utc_time(block.expires_at_ms) if block.expires_at_ms is not None else "lifted"
        option = "--number" if block.kind is Kind.NUMBER else "--subscriber"
        lines.append(f"Action: {block.target} blocked until {until}; to lift: "
                     f"python -m ops.blocks --properties app.json lift {option} {block.value} --by NAME")
    else:
        lines.append("Action: none (alert only)")
    if dashboard_url:
        lines.append(f"Dashboard: {dashboard_url.rstrip('/')}/#alert={alert.alert_id}")
    lines.append(f"Alert id: {alert.alert_id}")
    attributes = {"alert_id": alert.alert_id, "rule": alert.rule.value, "severity": alert.severity.value,
                  "blocked": "true" if block is not None else "false"}
    return Notice(subject[:SUBJECT_MAX], "\n".join(lines), attributes)
