"""The block a CRITICAL alert asks for (domain/fraud_actions.py), by the rules file's actions."""

from __future__ import annotations

from decimal import Decimal

from domain.blocklist import FRAUD_JOB, Block, Kind
from domain.fraud import Alert
from domain.fraud_actions import block_for_alert
from domain.fraud_rules import DEFAULT_RULES, Rule, Severity, load_rules, parse_rules

RULES = load_rules()
AT = 1_795_000_000_000


def alert(rule: Rule, severity: Severity, key: str = "sub-7") -> Alert:
    return Alert("id-1", key, rule, severity, AT, AT - 60_000, AT, Decimal("80"), Decimal("75"), ("c1",))


def test_a_critical_alert_of_a_blocking_rule_blocks_its_subscriber_for_block_for() -> None:
    assert block_for_alert(alert(Rule.RUNNING_COST, Severity.CRITICAL), RULES) == Block(
        Kind.SUBSCRIBER, "sub-7", "RUNNING_COST CRITICAL: observed 80 ≥ 75", "RUNNING_COST", "id-1", AT,
        AT + 24 * 3_600_000, FRAUD_JOB)


def test_warnings_and_rules_without_the_action_block_nothing() -> None:
    assert block_for_alert(alert(Rule.RUNNING_COST, Severity.WARNING), RULES) is None
    assert block_for_alert(alert(Rule.VELOCITY, Severity.CRITICAL), RULES) is None


def test_wangiri_blocks_the_spraying_number() -> None:
    block = block_for_alert(alert(Rule.WANGIRI, Severity.CRITICAL, "+2348031234567"), RULES)
    assert block is not None and (block.kind, block.target) == (Kind.NUMBER, "number:+2348031234567")


def test_a_class_can_turn_the_action_off_and_block_for_is_read() -> None:
    text = DEFAULT_RULES.read_text().replace("subscribers: {}", "subscribers: {sub-cc: call_centre}")
    rules = parse_rules(text.replace("block_for: 24 h", "block_for: 2 h"))
    assert block_for_alert(alert(Rule.RUNNING_COST, Severity.CRITICAL, "sub-cc"), rules) is None
    block = block_for_alert(alert(Rule.RUNNING_COST, Severity.CRITICAL), rules)
    assert block is not None and block.expires_at_ms == AT + 2 * 3_600_000

