"""What the job does beyond raising an alert: the block a CRITICAL alert asks for.

Plain Python, no Flink, no I/O: jobs/fraud_detection.py writes what this decides.
"""

from __future__ import annotations

from domain.blocklist import FRAUD_JOB, Block, Kind
from domain.fraud import Alert
from domain.fraud_rules import Action, FraudRules, Rule, Severity


def block_for_alert(alert: Alert, rules: FraudRules) -> Block | None:
    """The block a CRITICAL alert asks for, when its rule's action (or the subscriber class's)
    is `block`: the alerted subscriber, or for WANGIRI the spraying number."""
    if alert.severity is not Severity.CRITICAL or rules.action_for(alert.rule, alert.subscriber_id) is not Action.BLOCK:
        return None
    kind = Kind.NUMBER if alert.rule is Rule.WANGIRI else Kind.SUBSCRIBER
    reason = f"{alert.rule.value} {alert.severity.value}: observed {alert.observed} ≥ {alert.threshold}"
    return Block(kind, alert.subscriber_id, reason, alert.rule.value, alert.alert_id, alert.detected_at_ms,
                 alert.detected_at_ms + rules.block_for_ms, FRAUD_JOB)
