"""Labelled fraud mixed into normal traffic: what the fraud rules must catch, and what they must not.

Normal traffic (synthetic/traffic.py) runs for `history_days` before the evaluated day, so rules
that compare with a subscriber's past (SPEND_SPIKE, NEW_DESTINATION_BURST) have one. On the
evaluated day each rule gets `per_rule` injected frauds, each with a ground-truth label: the
rule, the entity it must name (a subscriber; the calling number for WANGIRI), and the other
rules the same fraud may honestly trip too (an IRSF burst to new satellite ranges is also a new
destination burst). Look-alikes must raise nothing: a call centre (listed in the rules' class
`call_centre`) with steady high volume and many parallel calls, a subscriber who calls the
same three countries abroad every day, conferences whose many legs share one linkedId, a long
call home, a busy number redialled, a new subscription calling abroad a little.

Deterministic: the same spec gives the same records and labels.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from phonenumbers import PhoneNumberType

from domain.fraud import zone_of
from synthetic.traffic import CallPlan, NumberPool, Subscriber, TrafficSpec, build_call, generate, subscriber_base

HIGH_RISK_NUMBERS = ("+881631234567", "+881641234567", "+882345678901", "+8835100123456", "+18762101234",
                     "+19005550123", "+16495551234", "+2522134567")
WANGIRI_SOURCES = ("NG", "TN", "MA", "BY", "CU", "BO")
# Countries the normal traffic never calls (synthetic/traffic.py DESTINATIONS): new to everyone.
NEW_COUNTRIES = ("PE", "CO", "GH", "TZ", "UG", "LK", "BD", "NP", "KH", "UY", "PY", "EC")


@dataclass(frozen=True)
class Label:
    scenario: str
    rule: str
    entity: str
    also: tuple[str, ...] = ()
    # When the fraud began (UTC, ISO 8601 ms): the window its alert should name; SPEND_SPIKE's
    # is the UTC day of the spending.
    window_start: str = ""


@dataclass(frozen=True)
class ScenarioSpec:
    seed: int = 7
    subscribers: int = 1_000
    calls_per_day: int = 4_000
    history_days: int = 8
    per_rule: int = 4
    call_centre_agents: int = 25
    start: datetime = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday

    @property
    def day(self) -> datetime:
        """The evaluated day (UTC midnight)."""
        return self.start + timedelta(days=self.history_days)


@dataclass
class Scenarios:
    records: list[dict[str, Any]] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    call_centres: list[str] = field(default_factory=list)
    activated: dict[str, str] = field(default_factory=dict)  # new subscriber -> activation date (reference data)

    def labels_as_dicts(self) -> list[dict[str, Any]]:
        return [asdict(label) for label in self.labels]


def _time_key(record: dict[str, Any]) -> str:
    return record.get("endTime") or record["startTime"]


class _Builder:
    def __init__(self, spec: ScenarioSpec, traffic: TrafficSpec, established: set[str]):
        self.spec = spec
        self.rng = random.Random(spec.seed * 7919 + 1)
        self.pool = NumberPool(self.rng)
        self.subscribers = [s for s in subscriber_base(traffic) if s.subscriber_id in established]
        self.used: set[str] = set()
        self.out = Scenarios()
        self.count = 0

    def actor(self) -> Subscriber:
        """A subscriber with history since the first day, not yet in a scenario."""
        chosen = self.rng.choice([s for s in self.subscribers if s.subscriber_id not in self.used])
        self.used.add(chosen.subscriber_id)
        return chosen

    def local(self, subscriber: Subscriber, hour: float) -> datetime:
        """The evaluated day at `hour` o'clock in the subscriber's own zone, as UTC."""
        day = self.spec.day
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone_of(subscriber.number))
        return (midnight + timedelta(hours=hour)).astimezone(UTC)

    def call(self, subscriber: Subscriber, other: str, setup: datetime, *, direction: str = "MOBILE_ORIGINATED",
             talk_s: float = 60, ring_s: float = 4, with_start: bool = False, linked_id: str | None = None,
             leg: int = 1, call_type: str = "VOICE") -> None:
        self.count += 1
        termination = "NORMAL" if talk_s > 0 else "NO_ANSWER"
        plan = CallPlan(subscriber, direction, other, "INTERNATIONAL", setup, ring_s, talk_s, termination, call_type,
                        f"fraud-{self.spec.seed}-{self.count:06d}", linked_id, leg, with_start)
        self.out.records += [record for _, record in build_call(plan, self.rng)]

    def number(self, country: str) -> str:
        return self.pool.draw(country, (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE))[0]

    def mobile(self, country: str) -> str:
        return self.pool.draw(country, (PhoneNumberType.MOBILE,))[0]

    def label(self, scenario: str, rule: str, entity: str, *also: str, began: datetime) -> None:
        self.out.labels.append(Label(scenario, rule, entity, tuple(also),
                                     began.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")))


def velocity_flood(template: Subscriber, subscriber_id: str, at: datetime, attempts: int = 12) -> list[dict[str, Any]]:
    """A flood for streaming checks: `attempts` unanswered domestic attempts 300 ms apart (1.2 s
    of ringing each) from `template` renamed `subscriber_id`, STOPs in set-up order; 12 is
    VELOCITY's warning level, so the alert's window starts at `at` whatever the arrival order."""
    subscriber = replace(template, subscriber_id=subscriber_id)
    rng = random.Random(subscriber_id)
    records = []
    for attempt in range(attempts):
        plan = CallPlan(subscriber, "MOBILE_ORIGINATED", "+442079460958", "LANDLINE",
                        at + timedelta(milliseconds=300 * attempt), 1.2, 0, "NO_ANSWER",
                        call_id=f"{subscriber_id}-{attempt:02d}")
        records += [record for _, record in build_call(plan, rng)]
    return records


def _flood(b: _Builder, index: int) -> None:
    """VELOCITY: 40 short unanswered attempts in two minutes, domestic, in business hours."""
    s = b.actor()
    start = b.local(s, 10 + index)
    for i in range(40):
        b.call(s, b.number(s.country), start + timedelta(seconds=3 * i), talk_s=0, ring_s=1.5)
    b.label(f"flood-{index}", "VELOCITY", s.subscriber_id, began=start)


def _concurrency(b: _Builder, index: int) -> None:
    """CONCURRENT_CALLS: 9 calls open at once (STARTs sent), domestic, in business hours."""
    s = b.actor()
    start = b.local(s, 11 + index)
    for i in range(9):
        b.call(s, b.number(s.country), start + timedelta(seconds=20 * i), talk_s=1_200, with_start=True)
    b.label(f"concurrency-{index}", "CONCURRENT_CALLS", s.subscriber_id, "VELOCITY", began=start)


def _irsf(b: _Builder, index: int) -> None:
    """HIGH_RISK_DESTINATION: 10 calls to satellite, premium and high-risk ranges in 40 min."""
    s = b.actor()
    start = b.local(s, 13 + index)
    for i in range(10):
        b.call(s, HIGH_RISK_NUMBERS[i % len(HIGH_RISK_NUMBERS)], start + timedelta(minutes=4 * i), talk_s=240)
    b.label(f"irsf-{index}", "HIGH_RISK_DESTINATION", s.subscriber_id, "NEW_DESTINATION_BURST", "SPEND_SPIKE",
            "RUNNING_COST", began=start)


def _wangiri(b: _Builder, index: int) -> None:
    """WANGIRI: one foreign number rings 25 subscribers for 1-2 s in 8 minutes; three call back."""
    country = WANGIRI_SOURCES[index % len(WANGIRI_SOURCES)]
    source = b.number(country)
    start = b.spec.day + timedelta(hours=9 + 2 * index)
    victims = [b.actor() for _ in range(25)]
    for i, victim in enumerate(victims):
        b.call(victim, source, start + timedelta(seconds=19 * i), direction="MOBILE_TERMINATED", talk_s=0,
               ring_s=1 + b.rng.random())
    b.label(f"wangiri-{index}", "WANGIRI", source, began=start)
    for victim in victims[:3]:
        callback = start + timedelta(minutes=30 + 40 * victims.index(victim))
        b.call(victim, source, callback, talk_s=90)
        b.label(f"wangiri-{index}", "WANGIRI_CALLBACK", victim.subscriber_id, "NEW_DESTINATION_BURST", began=callback)


def _pbx_hack(b: _Builder, index: int) -> None:
    """OFF_HOURS_INTERNATIONAL: a hacked PBX account dials abroad 14 times between 02:00 and 03:00."""
    s = b.actor()
    start = b.local(s, 2)
    for i in range(14):
        b.call(s, b.number(NEW_COUNTRIES[(index + i) % 4]), start + timedelta(minutes=4 * i + index), talk_s=120)
    b.label(f"pbx-hack-{index}", "OFF_HOURS_INTERNATIONAL", s.subscriber_id, "NEW_DESTINATION_BURST",
            "VELOCITY", "SPEND_SPIKE", began=start + timedelta(minutes=index))


def _spend(b: _Builder, index: int) -> None:
    """SPEND_SPIKE: three 3-hour calls to mobiles in Morocco (0.45 a minute), in the daytime."""
    s = b.actor()
    start = b.local(s, 9)
    for i in range(3):
        b.call(s, b.mobile("MA"), start + timedelta(minutes=185 * i), talk_s=10_800)
    b.label(f"spend-{index}", "SPEND_SPIKE", s.subscriber_id, "NEW_DESTINATION_BURST", "RUNNING_COST",
            began=start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0))


def _satellite_call(b: _Builder, index: int) -> None:
    """RUNNING_COST: one 40-minute call to a satellite range (6.50 a minute), START and INTERIMs
    sent: 25 is reached in its fourth minute, long before its STOP."""
    s = b.actor()
    start = b.local(s, 12 + index)
    b.call(s, HIGH_RISK_NUMBERS[index % 2], start, talk_s=2_400, ring_s=3, with_start=True)
    b.label(f"satellite-{index}", "RUNNING_COST", s.subscriber_id, "SPEND_SPIKE", "HIGH_RISK_DESTINATION",
            "NEW_DESTINATION_BURST", began=start)


def _endless_call(b: _Builder, index: int) -> None:
    """LONG_CALL: a call to a landline at home left up for 9 hours (a hijacked line held open),
    START and INTERIMs sent."""
    s = b.actor()
    start = b.local(s, 1 + index)
    landline = b.pool.draw(s.country, (PhoneNumberType.FIXED_LINE,))[0]
    b.call(s, landline, start, talk_s=9 * 3_600, with_start=True)
    b.label(f"endless-{index}", "LONG_CALL", s.subscriber_id, "RUNNING_COST", began=start)


def _range_scan(b: _Builder, index: int) -> None:
    """SEQUENTIAL_CALLS: 25 short calls 40 s apart through one number range (the last two
    digits counted up), domestic, in business hours."""
    s = b.actor()
    start = b.local(s, 14 + index * 0.5)
    base = b.number(s.country)
    for i in range(25):
        b.call(s, f"{base[:-2]}{i:02d}", start + timedelta(seconds=40 * i), talk_s=20)
    b.label(f"range-scan-{index}", "SEQUENTIAL_CALLS", s.subscriber_id, began=start)


def _dialler(b: _Builder, index: int) -> None:
    """TOTAL_CALLS: an auto-dialler on an account of its own (no earlier calls: the day's window
    starts with it), 320 short domestic calls, one every 4 minutes from midnight (local) on."""
    s = replace(b.actor(), subscriber_id=f"dialler-{b.spec.seed}-{index}")
    start = b.local(s, 0.25 + index * 0.1)
    for i in range(320):
        b.call(s, b.number(s.country), start + timedelta(minutes=4 * i), talk_s=25)
    b.label(f"dialler-{index}", "TOTAL_CALLS", s.subscriber_id, began=start)


def _newcomer(b: _Builder, index: int) -> None:
    """NEWCOMER: a subscription activated on the evaluated day (and listed so in the reference
    data) that calls 30 numbers abroad within five hours: subscription fraud."""
    template = b.actor()
    s = replace(template, subscriber_id=f"new-{b.spec.seed}-{index}")
    b.out.activated[s.subscriber_id] = b.spec.day.date().isoformat()
    start = b.local(s, 9 + index)
    for i in range(30):
        b.call(s, b.number(NEW_COUNTRIES[(index + i) % len(NEW_COUNTRIES)]), start + timedelta(minutes=10 * i),
               talk_s=60)
    b.label(f"newcomer-{index}", "NEWCOMER", s.subscriber_id, began=start)


def _new_destinations(b: _Builder, index: int) -> None:
    """NEW_DESTINATION_BURST: 6 short calls to 6 countries never called, within 50 minutes."""
    s = b.actor()
    start = b.local(s, 15 + index * 0.5)
    for i in range(6):
        country = NEW_COUNTRIES[(6 + index + i) % len(NEW_COUNTRIES)]
        b.call(s, b.number(country), start + timedelta(minutes=9 * i), talk_s=45)
    b.label(f"new-destinations-{index}", "NEW_DESTINATION_BURST", s.subscriber_id, began=start)


def _call_centre(b: _Builder, spec: ScenarioSpec) -> None:
    """Look-alike: a call centre, its agents on line all day (a call every 9 minutes each, so
    25 agents make ~3 calls a minute and ~12 at once), every day."""
    centre = b.actor()
    b.out.call_centres.append(centre.subscriber_id)
    for day in range(spec.history_days + 1):
        opening = b.local(centre, 8) - timedelta(days=spec.history_days - day)
        for agent in range(spec.call_centre_agents):
            for minute in range(0, 600, 9):
                b.call(centre, b.number(centre.country), opening + timedelta(minutes=minute, seconds=agent * 7),
                       talk_s=b.rng.uniform(60, 480))


def _always_abroad(b: _Builder, spec: ScenarioSpec) -> None:
    """Look-alike: calls the same three countries abroad every day, spending steadily."""
    s = b.actor()
    family = [b.number(country) for country in ("IN", "PK", "PH")]
    for day in range(spec.history_days + 1):
        base = b.local(s, 18) - timedelta(days=spec.history_days - day)
        for i, number in enumerate(family):
            b.call(s, number, base + timedelta(minutes=40 * i), talk_s=1_500)


def _conference(b: _Builder, index: int) -> None:
    """Look-alike: a conference host's bridge dials out 12 participants, one linkedId."""
    s = b.actor()
    start = b.local(s, 10 + index)
    linked = f"conf-{b.spec.seed}-{index}"
    for leg in range(12):
        b.call(s, b.number(s.country), start + timedelta(seconds=5 * leg), talk_s=2_400, with_start=True,
               linked_id=linked, leg=leg + 1, call_type="CONFERENCE")


def _honest_heavy_use(b: _Builder, index: int) -> None:
    """Look-alikes of the newer rules: a 3-hour call home to a landline (below LONG_CALL), a
    busy number redialled 15 times in 10 minutes (one number: no range scan), a subscription
    activated that day making four calls abroad (below NEWCOMER)."""
    talker = b.actor()
    b.call(talker, b.pool.draw(talker.country, (PhoneNumberType.FIXED_LINE,))[0], b.local(talker, 19 + index * 0.2),
           talk_s=3 * 3_600, with_start=True)
    redialler = b.actor()
    busy = b.number(redialler.country)
    for i in range(15):
        b.call(redialler, busy, b.local(redialler, 11 + index * 0.5) + timedelta(seconds=40 * i), talk_s=0, ring_s=8)
    newcomer = replace(b.actor(), subscriber_id=f"new-honest-{b.spec.seed}-{index}")
    b.out.activated[newcomer.subscriber_id] = b.spec.day.date().isoformat()
    for i in range(4):
        b.call(newcomer, b.number(("IN", "PK", "PH", "NG")[i]), b.local(newcomer, 17) + timedelta(minutes=30 * i),
               talk_s=300)


FRAUDS = (_flood, _concurrency, _irsf, _wangiri, _pbx_hack, _spend, _new_destinations, _satellite_call, _endless_call,
          _range_scan, _dialler, _newcomer)


def build(spec: ScenarioSpec) -> tuple[Iterable[dict[str, Any]], Scenarios]:
    """Normal traffic over the history and the evaluated day, the injected frauds, the
    look-alikes; records in event-time order."""
    traffic = TrafficSpec(seed=spec.seed, subscribers=spec.subscribers,
                          calls=spec.calls_per_day * (spec.history_days + 1), start=spec.start,
                          hours=24.0 * (spec.history_days + 1), duplicate_share=0.0)
    normal = list(generate(traffic))
    first_day_ends = (spec.start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    established = {r["callingParty"]["subscriberId"] for r in normal  # outgoing calls since day one
                   if r["startTime"] < first_day_ends and r["callDirection"] == "MOBILE_ORIGINATED"}
    builder = _Builder(spec, traffic, established)
    for index in range(spec.per_rule):
        for fraud in FRAUDS:
            fraud(builder, index)
        _conference(builder, index)
        _honest_heavy_use(builder, index)
    _call_centre(builder, spec)
    _always_abroad(builder, spec)
    injected = sorted(builder.out.records, key=_time_key)
    return heapq.merge(normal, injected, key=_time_key), builder.out
