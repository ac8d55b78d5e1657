"""The fraud rules' settings, read from the operators' rules file (rules/fraud.yaml).

Plain Python, no Flink. A bad file is refused with its name, the key and the problem: a fraud
rule that silently falls back to a default is worse than a job that does not start.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

DEFAULT_RULES = Path(__file__).resolve().parent.parent / "rules" / "fraud.yaml"
_DURATION = re.compile(r"^\s*(\d+)\s*(ms|s|sec|min|m|h|d)\s*$")
_UNIT_MS = {"ms": 1, "s": 1_000, "sec": 1_000, "min": 60_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_DAYS = {"MON": 0, "TUE": 1, "WED": 2, "THU": 3, "FRI": 4, "SAT": 5, "SUN": 6}


class Rule(enum.StrEnum):
    VELOCITY = "VELOCITY"
    CONCURRENT_CALLS = "CONCURRENT_CALLS"
    HIGH_RISK_DESTINATION = "HIGH_RISK_DESTINATION"
    WANGIRI = "WANGIRI"
    WANGIRI_CALLBACK = "WANGIRI_CALLBACK"
    OFF_HOURS_INTERNATIONAL = "OFF_HOURS_INTERNATIONAL"
    SPEND_SPIKE = "SPEND_SPIKE"
    NEW_DESTINATION_BURST = "NEW_DESTINATION_BURST"
    LONG_CALL = "LONG_CALL"
    RUNNING_COST = "RUNNING_COST"
    SEQUENTIAL_CALLS = "SEQUENTIAL_CALLS"
    TOTAL_CALLS = "TOTAL_CALLS"
    NEWCOMER = "NEWCOMER"


# Rules whose levels are durations (seconds once read) rather than counts or money.
DURATION_LEVELS = frozenset({Rule.LONG_CALL})


class Action(enum.StrEnum):
    """What the job does beyond the alert when a rule reaches CRITICAL."""

    NONE = "none"
    BLOCK = "block"  # the alerted subscriber (WANGIRI: the calling number) goes on the block list


class Severity(enum.StrEnum):
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"


class RulesError(ValueError):
    """The rules file cannot be used."""


@dataclass(frozen=True)
class Levels:
    warning: Decimal
    critical: Decimal

    def severity(self, observed: Decimal | int) -> Severity | None:
        if observed >= self.critical:
            return Severity.CRITICAL
        if observed >= self.warning:
            return Severity.WARNING
        return None

    def threshold(self, severity: Severity) -> Decimal:
        return self.critical if severity is Severity.CRITICAL else self.warning


@dataclass(frozen=True)
class Schedule:
    """Hours of some weekdays, on a time zone's wall clock (None: the subscriber number's own)."""

    start: time
    end: time  # time.max for 24:00
    days: frozenset[int]  # 0 = Monday
    zone: str | None = None

    def covers(self, weekday: int, moment: time) -> bool:
        return weekday in self.days and self.start <= moment < self.end


ALWAYS = Schedule(time.min, time.max, frozenset(range(7)))


@dataclass(frozen=True)
class FraudRules:
    levels: Mapping[Rule, Levels]
    windows_ms: Mapping[Rule, int]
    cooldown_ms: int
    high_risk_prefixes: tuple[str, ...]
    premium_rate: bool
    max_open_ms: int
    max_ring_ms: int
    business: Schedule  # OFF_HOURS_INTERNATIONAL's business hours
    spend_multiple: Decimal
    spend_min_history_ms: int
    destination_history_ms: int
    destination_min_history_ms: int
    class_levels: Mapping[str, Mapping[Rule, Levels]] = field(default_factory=dict)
    subscriber_class: Mapping[str, str] = field(default_factory=dict)
    actions: Mapping[Rule, Action] = field(default_factory=dict)
    class_actions: Mapping[str, Mapping[Rule, Action]] = field(default_factory=dict)
    block_for_ms: int = 86_400_000
    schedules: Mapping[Rule, Schedule] = field(default_factory=dict)  # when a rule applies (else always)
    sequence_varying_digits: int = 2
    newcomer_for_ms: int = 7 * 86_400_000
    subscriber_since: Mapping[str, int] = field(default_factory=dict)  # activation (epoch ms), reference data

    def levels_for(self, rule: Rule, subscriber_id: str) -> Levels:
        """The subscriber's class's levels for the rule, else the defaults."""
        klass = self.subscriber_class.get(subscriber_id)
        return self.class_levels.get(klass, {}).get(rule, self.levels[rule]) if klass else self.levels[rule]

    def action_for(self, rule: Rule, subscriber_id: str) -> Action:
        """The subscriber's class's action for the rule, else the rule's (none unless set)."""
        klass = self.subscriber_class.get(subscriber_id)
        default = self.actions.get(rule, Action.NONE)
        return self.class_actions.get(klass, {}).get(rule, default) if klass else default

    def schedule(self, rule: Rule) -> Schedule:
        return self.schedules.get(rule, ALWAYS)


def parse_duration(text: Any) -> int:
    """Milliseconds of a duration written "90 s", "10 min", "1 h", "30 d"."""
    match = _DURATION.match(str(text))
    if not match:
        raise RulesError(f"expected a duration like '60 s' or '1 h', got {text!r}")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


class _Reader:
    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, problem: str) -> RulesError:
        return RulesError(f"{self.source}: {where}: {problem}")

    def section(self, document: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = document.get(key)
        if not isinstance(value, Mapping):
            raise self.fail(f"{where}.{key}" if where else key, "missing, or not a mapping")
        return value

    def duration(self, document: Mapping[str, Any], key: str, where: str) -> int:
        try:
            return parse_duration(document.get(key, ""))
        except RulesError as error:
            raise self.fail(f"{where}.{key}", str(error)) from None

    def number(self, document: Mapping[str, Any], key: str, where: str) -> Decimal:
        try:
            value = Decimal(str(document[key]))
        except (KeyError, InvalidOperation):
            raise self.fail(f"{where}.{key}", f"expected a number, got {document.get(key)!r}") from None
        if not value.is_finite() or value < 0:
            raise self.fail(f"{where}.{key}", f"must be a number ≥ 0, got {value}")
        return value

    def seconds(self, document: Mapping[str, Any], key: str, where: str) -> Decimal:
        return Decimal(self.duration(document, key, where)) / 1000

    def levels(self, document: Mapping[str, Any], where: str, durations: bool = False) -> Levels:
        read = self.seconds if durations else self.number
        levels = Levels(read(document, "warning", where), read(document, "critical", where))
        if levels.warning <= 0 or levels.critical < levels.warning:
            raise self.fail(where, f"needs 0 < warning ≤ critical, got {levels.warning} and {levels.critical}")
        return levels

    def schedule(self, document: Mapping[str, Any], hours_key: str, days_key: str, where: str,
                 required: bool = True) -> Schedule | None:
        """'HH:MM-HH:MM' (24:00 allowed at the end), a list of MON..SUN (all days if absent, for
        an optional schedule) and an optional time_zone; None when optional and not given."""
        if hours_key not in document and days_key not in document and not required:
            return None
        hours = str(document.get(hours_key, "00:00-24:00" if not required else ""))
        match = re.fullmatch(r"(\d\d):(\d\d)-(\d\d):(\d\d)", hours)
        if not match:
            raise self.fail(f"{where}.{hours_key}", f"expected 'HH:MM-HH:MM', got {hours!r}")
        days = document.get(days_key, list(_DAYS) if not required else [])
        if not isinstance(days, list) or not days or any(str(day).upper() not in _DAYS for day in days):
            raise self.fail(f"{where}.{days_key}", f"expected a list of MON..SUN, got {days!r}")
        zone = document.get("time_zone")
        if zone is not None:
            try:
                ZoneInfo(str(zone))
            except (ZoneInfoNotFoundError, ValueError):
                raise self.fail(f"{where}.time_zone", f"no such time zone: {zone!r}") from None
        return Schedule(time(int(match.group(1)), int(match.group(2))),
                        time(int(match.group(3)), int(match.group(4))) if match.group(3) != "24" else time.max,
                        frozenset(_DAYS[str(day).upper()] for day in days), str(zone) if zone is not None else None)

    def action(self, document: Mapping[str, Any], where: str) -> Action | None:
        if "action" not in document:
            return None
        try:
            return Action(str(document["action"]).lower())
        except ValueError:
            raise self.fail(f"{where}.action", f"expected one of {[a.value for a in Action]}, "
                                               f"got {document['action']!r}") from None


def parse_rules(text: str, source: str = "rules") -> FraudRules:
    reader = _Reader(source)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise reader.fail("file", f"not YAML: {error}") from None
    if not isinstance(document, Mapping):
        raise reader.fail("file", "expected a mapping with cooldown, rules, classes, subscribers")
    rules = reader.section(document, "rules", "")
    unknown = set(rules) - set(Rule)
    if unknown or set(Rule) - set(rules):
        raise reader.fail("rules", f"unknown {sorted(unknown)}, missing {sorted(set(Rule) - set(rules))}")
    settings = {rule: reader.section(rules, rule.value, "rules") for rule in Rule}
    windowed = (Rule.VELOCITY, Rule.HIGH_RISK_DESTINATION, Rule.WANGIRI, Rule.WANGIRI_CALLBACK,
                Rule.OFF_HOURS_INTERNATIONAL, Rule.NEW_DESTINATION_BURST, Rule.SEQUENTIAL_CALLS, Rule.TOTAL_CALLS,
                Rule.NEWCOMER)
    business = reader.schedule(settings[Rule.OFF_HOURS_INTERNATIONAL], "business_hours", "business_days",
                               "rules.OFF_HOURS_INTERNATIONAL")
    assert business is not None  # business_hours is required
    schedules = {rule: schedule for rule in Rule
                 if (schedule := reader.schedule(settings[rule], "active_hours", "active_days", f"rules.{rule}",
                                                 required=False)) is not None}
    prefixes = settings[Rule.HIGH_RISK_DESTINATION].get("prefixes", [])
    if not isinstance(prefixes, list) or any(not re.fullmatch(r"\d{1,15}", str(p)) for p in prefixes):
        raise reader.fail("rules.HIGH_RISK_DESTINATION.prefixes", "expected a list of digit strings (E.164, no '+')")
    classes = document.get("classes") or {}
    members = document.get("subscribers") or {}
    if not isinstance(classes, Mapping) or not isinstance(members, Mapping):
        raise reader.fail("classes/subscribers", "expected mappings")
    class_levels: dict[str, dict[Rule, Levels]] = {}
    class_actions: dict[str, dict[Rule, Action]] = {}
    for name, overrides in classes.items():
        if not isinstance(overrides, Mapping) or set(overrides) - set(Rule):
            raise reader.fail(f"classes.{name}", f"expected rule names of {sorted(Rule)}")
        if any(not isinstance(values, Mapping) for values in overrides.values()):
            raise reader.fail(f"classes.{name}", "expected per rule a mapping of warning, critical and/or action")
        class_levels[str(name)] = {Rule(rule): reader.levels(values, f"classes.{name}.{rule}",
                                                             Rule(rule) in DURATION_LEVELS)
                                   for rule, values in overrides.items() if "warning" in values or "critical" in values}
        class_actions[str(name)] = {Rule(rule): action for rule, values in overrides.items()
                                    if (action := reader.action(values, f"classes.{name}.{rule}")) is not None}
    for subscriber, klass in members.items():
        if klass not in class_levels:
            raise reader.fail(f"subscribers.{subscriber}", f"unknown class {klass!r}")
    spend = settings[Rule.SPEND_SPIKE]
    destinations = settings[Rule.NEW_DESTINATION_BURST]
    return FraudRules(
        levels={rule: reader.levels(settings[rule], f"rules.{rule}", rule in DURATION_LEVELS) for rule in Rule},
        windows_ms={rule: reader.duration(settings[rule], "window", f"rules.{rule}") for rule in windowed},
        cooldown_ms=reader.duration(document, "cooldown", "file"),
        high_risk_prefixes=tuple(sorted(str(p) for p in prefixes)),
        premium_rate=bool(settings[Rule.HIGH_RISK_DESTINATION].get("premium_rate", False)),
        max_open_ms=reader.duration(settings[Rule.CONCURRENT_CALLS], "max_open", "rules.CONCURRENT_CALLS"),
        max_ring_ms=reader.duration(settings[Rule.WANGIRI], "max_ring", "rules.WANGIRI"),
        business=business,
        spend_multiple=reader.number(spend, "multiple", "rules.SPEND_SPIKE"),
        spend_min_history_ms=reader.duration(spend, "min_history", "rules.SPEND_SPIKE"),
        destination_history_ms=reader.duration(destinations, "history", "rules.NEW_DESTINATION_BURST"),
        destination_min_history_ms=reader.duration(destinations, "min_history", "rules.NEW_DESTINATION_BURST"),
        class_levels=class_levels,
        subscriber_class={str(k): str(v) for k, v in members.items()},
        actions={rule: action for rule in Rule if (action := reader.action(settings[rule], f"rules.{rule}"))},
        class_actions=class_actions,
        block_for_ms=reader.duration(document, "block_for", "file") if "block_for" in document else 86_400_000,
        schedules=schedules,
        sequence_varying_digits=int(reader.number(settings[Rule.SEQUENTIAL_CALLS], "varying_digits",
                                                  "rules.SEQUENTIAL_CALLS")),
        newcomer_for_ms=reader.duration(settings[Rule.NEWCOMER], "new_for", "rules.NEWCOMER"),
    )


@dataclass(frozen=True)
class SubscriberReference:
    """What the operator's subscriber reference data tells the rules: each listed subscriber's
    class (if any) and when it was activated (if given)."""

    classes: Mapping[str, str]
    since_ms: Mapping[str, int]


def parse_subscriber_classes(text: str, known: Iterable[str],
                             source: str = "subscriber classes") -> SubscriberReference:
    """CSV with a header `subscriber_id,class[,since]`, one subscriber a line: `class` one the
    rules file defines (or empty), `since` the activation date (YYYY-MM-DD, UTC) NEWCOMER
    counts from. A bad line is refused with its number."""
    rows = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(rows, [])]
    if header[:2] != ["subscriber_id", "class"] or header[2:] not in ([], ["since"]):
        raise RulesError(f"{source}: line 1: expected the header subscriber_id,class[,since], got {','.join(header)!r}")
    classes_known = set(known)
    classes: dict[str, str] = {}
    since: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if not row or not "".join(row).strip():
            continue
        subscriber, klass, activated = ([cell.strip() for cell in row] + ["", "", ""])[:3]
        if not subscriber:
            raise RulesError(f"{source}: line {number}: no subscriber id")
        if klass and klass not in classes_known:
            raise RulesError(f"{source}: line {number}: unknown class {klass!r} "
                             f"(classes: {', '.join(sorted(classes_known))})")
        if klass:
            classes[subscriber] = klass
        if activated:
            try:
                day = date.fromisoformat(activated)
            except ValueError:
                raise RulesError(f"{source}: line {number}: since must be a date YYYY-MM-DD, "
                                 f"got {activated!r}") from None
            since[subscriber] = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
    return SubscriberReference(classes, since)


def with_subscriber_classes(rules: FraudRules, reference: SubscriberReference) -> FraudRules:
    """The rules with the reference data's classes over the rules file's own `subscribers`."""
    return replace(rules, subscriber_class={**rules.subscriber_class, **reference.classes},
                   subscriber_since=dict(reference.since_ms))


def load_rules(path: Path = DEFAULT_RULES) -> FraudRules:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RulesError(f"cannot read rules file {path}: {error}") from error
    return parse_rules(text, str(path))
