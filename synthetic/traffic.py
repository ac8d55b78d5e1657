"""Realistic, deterministic CDR traffic: a subscriber base, calls, and their per-leg records.

Everything is drawn from one random.Random(seed), so the same arguments give the same records
byte for byte. Records come out in event-time order (a START at setup, INTERIMs every
`interim_every_s` while a call lasts, the STOP at its end), as a PBX would send them.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from domain.fraud import zone_of
from synthetic.call_flows import FLOW_SHARES, FLOWS, MO, FlowLeg, pick_flow
from synthetic.routes import RANG, Degradation, Route, call_rng, mos, pdd_seconds, pick_trunk, sip_outcome

# Home countries of subscribers (ISO 3166-1) with weights: a European operator's mix.
HOME_COUNTRIES = {"GB": 30, "DE": 15, "FR": 12, "ES": 8, "IT": 8, "NL": 6, "IE": 5, "US": 6, "PL": 4,
                  "SE": 3, "PT": 3}
# Destinations of outgoing calls beyond the home country, with weights.
DESTINATIONS = {"GB": 20, "DE": 10, "FR": 10, "ES": 6, "IT": 6, "NL": 4, "US": 8, "CA": 3, "IN": 5,
                "PK": 2, "NG": 2, "PH": 2, "BR": 2, "MX": 2, "AU": 2, "JP": 1, "CN": 2, "TR": 2,
                "RO": 2, "MA": 1, "ZA": 1, "AE": 1, "JM": 1, "CH": 2, "BE": 2, "AT": 1, "SE": 1,
                "NO": 1, "DK": 1, "FI": 1, "PL": 2, "PT": 1, "IE": 2, "GR": 1, "EG": 1, "KE": 1,
                "ID": 1, "VN": 1, "TH": 1, "AR": 1}
# Service numbers subscribers call, as dialled, per home country: emergency, helplines (116xxx),
# directory enquiries (118xxx, priced by tariffs/decks/default/1970-01-01.csv), voicemail (*97).
SERVICE_NUMBERS = {"GB": ("999", "112", "116123", "118118", "*97"), "US": ("911", "411", "*97"),
                   "DE": ("110", "112", "116116"), "FR": ("15", "17", "112", "3131")}
OTHER_SERVICE_NUMBERS = ("112", "*97")
# Share of calls that a subscriber in its local night (00:00-07:00) does not make.
NIGHT_SKIP = 0.8
# Records per planned call (START/INTERIM/STOP per leg, multi-leg calls; fewer at night): 1.70 measured.
CDRS_PER_CALL = 1.7
CALL_TYPES = {"VOICE": 85, "VIDEO": 10, "CONFERENCE": 5}
TERMINATIONS = {"NORMAL": 70, "NO_ANSWER": 12, "BUSY": 8, "FAILED": 5, "CANCELLED": 5}
CODECS = {"G.711": 40, "Opus": 35, "G.729": 15, "G.722": 10}
CODEC_KBPS = {"G.711": 64, "Opus": 32, "G.729": 8, "G.722": 64}
USER_AGENTS = ["Zoiper 5.6", "Linphone 5.2", "Bria 6.5", "MicroSIP 3.21", "Grandstream GXP2170",
               "Yealink SIP-T46U", "Obi 200"]
SERVER_NODES = ["pbx-eu-1", "pbx-eu-2", "pbx-us-1"]
NUMBER_TYPES: dict[int, str] = {PhoneNumberType.MOBILE: "MOBILE", PhoneNumberType.FIXED_LINE: "LANDLINE",
                PhoneNumberType.VOIP: "VOIP"}


@dataclass(frozen=True)
class Subscriber:
    subscriber_id: str
    number: str
    number_type: str
    country: str
    city: str
    lat: float
    lon: float


@dataclass(frozen=True)
class TrafficSpec:
    """What to generate; every field has a realistic default."""

    seed: int = 42
    subscribers: int = 1_000
    calls: int = 10_000
    start: datetime = datetime(2026, 11, 1, tzinfo=UTC)
    hours: float = 24.0
    start_record_share: float = 0.5  # calls that also send START (and INTERIMs when long)
    interim_every_s: int = 300
    duplicate_share: float = 0.01  # records a producer sends twice (same recordId)
    national_format_share: float = 0.01  # called numbers sent in national form, not E.164
    service_share: float = 0.005  # outgoing calls to a service number of the home country
    # Share of calls per multi-leg flow (synthetic/call_flows.py); the rest have one leg.
    flow_shares: tuple[tuple[str, float], ...] = tuple(FLOW_SHARES.items())
    degradation: Degradation | None = None  # a trunk that goes bad for a while (synthetic/routes.py)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _iso(moment: datetime) -> str:
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


class NumberPool:
    """Valid numbers per country and type, varied from phonenumbers' examples."""

    def __init__(self, rng: random.Random):
        self._rng = rng

    def draw(self, country: str, kinds: tuple[int, ...]) -> tuple[str, str]:
        """(E.164 number, our number type) valid for `country`."""
        for kind in self._rng.sample(kinds, len(kinds)):
            example = phonenumbers.example_number_for_type(country, kind)
            if example is None:
                continue
            national = str(example.national_number)
            for _ in range(20):
                tail = "".join(str(self._rng.randrange(10)) for _ in range(min(4, len(national) - 2)))
                candidate = phonenumbers.parse(f"+{example.country_code}{national[:-len(tail)]}{tail}")
                if phonenumbers.is_valid_number(candidate):
                    return (phonenumbers.format_number(candidate, PhoneNumberFormat.E164),
                            NUMBER_TYPES.get(kind, "LANDLINE"))
            return phonenumbers.format_number(example, PhoneNumberFormat.E164), NUMBER_TYPES.get(kind, "LANDLINE")
        raise ValueError(f"no example number for {country}")


def make_subscribers(spec: TrafficSpec, rng: random.Random, pool: NumberPool) -> list[Subscriber]:
    subscribers = []
    for index in range(spec.subscribers):
        country = _weighted(rng, HOME_COUNTRIES)
        number, number_type = pool.draw(
            country, (PhoneNumberType.MOBILE, PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE))
        subscribers.append(Subscriber(
            subscriber_id=f"sub-{index:06d}", number=number, number_type=number_type, country=country,
            city=f"City-{country}-{rng.randrange(20)}", lat=round(rng.uniform(-60, 70), 4),
            lon=round(rng.uniform(-150, 150), 4)))
    return subscribers


def _talk_seconds(rng: random.Random) -> int:
    """Long-tailed talk time: median ~1 min, a few calls of hours."""
    return max(1, min(4 * 3600, int(rng.lognormvariate(math.log(60), 1.3))))


def _base(spec: TrafficSpec) -> tuple[random.Random, NumberPool, list[Subscriber]]:
    rng = random.Random(spec.seed)
    pool = NumberPool(rng)
    return rng, pool, make_subscribers(spec, rng, pool)


def subscriber_base(spec: TrafficSpec) -> list[Subscriber]:
    """The subscribers `generate(spec)` draws its calls from."""
    return _base(spec)[2]


def generate(spec: TrafficSpec) -> Iterator[dict[str, Any]]:
    """Yields CDR records (as JSON-ready dicts) in event-time order."""
    rng, pool, subscribers = _base(spec)
    # Subscriber activity is skewed: a few call a lot ("top callers"), none a thousand times the rest.
    activity = [min(rng.paretovariate(1.5), 30.0) for _ in subscribers]
    cumulative = list(itertools.accumulate(activity))  # choices() would sum them again for every call
    span_s = spec.hours * 3600
    setup_times = sorted(rng.uniform(0, span_s) for _ in range(spec.calls))
    pending: list[tuple[datetime, int, dict[str, Any]]] = []
    order = itertools.count()
    for call_index, offset in enumerate(setup_times):
        setup = spec.start + timedelta(seconds=offset)
        while pending and pending[0][0] <= setup:
            yield from _emit(heapq.heappop(pending)[2], rng, spec)
        subscriber = rng.choices(subscribers, cum_weights=cumulative)[0]
        for _ in range(3):  # people sleep: few calls in their local night
            if not (0 <= setup.astimezone(zone_of(subscriber.number)).hour < 7 and rng.random() < NIGHT_SKIP):
                break
            subscriber = rng.choices(subscribers, cum_weights=cumulative)[0]
        flow = pick_flow(rng, dict(spec.flow_shares))
        if flow is None:
            records = _call_records(spec, rng, pool, subscriber, setup, call_index)
        else:
            records = _flow_records(spec, rng, pool, subscribers, subscriber, setup, call_index, flow)
        for moment, record in records:
            heapq.heappush(pending, (moment, next(order), record))
    while pending:
        yield from _emit(heapq.heappop(pending)[2], rng, spec)


def _emit(record: dict[str, Any], rng: random.Random, spec: TrafficSpec) -> Iterator[dict[str, Any]]:
    yield record
    if rng.random() < spec.duplicate_share:
        yield record  # a producer's retry: the same recordId again


@dataclass(frozen=True)
class CallPlan:
    """One call leg as it happened; `build_call` writes its records."""

    subscriber: Subscriber
    direction: str
    other: str  # the other party's E.164 number
    other_type: str
    setup: datetime
    ring_s: float
    talk_s: float  # 0 when not answered
    termination: str
    call_type: str = "VOICE"
    call_id: str = ""
    linked_id: str | None = None
    leg_sequence: int = 1
    with_start: bool = False
    national_format: bool = False
    calling: tuple[str, str] | None = None  # on an outgoing leg, a caller other than the subscriber
    callee_id: str | None = None  # the callee's subscriber id, when ours (calledParty.subscriberId)
    route: Route | None = None  # the trunk of a leg to or from outside the network


def _call_records(spec: TrafficSpec, rng: random.Random, pool: NumberPool, subscriber: Subscriber,
                  setup: datetime, call_index: int) -> list[tuple[datetime, dict[str, Any]]]:
    direction = "MOBILE_ORIGINATED" if rng.random() < 0.6 else "MOBILE_TERMINATED"
    call_type = _weighted(rng, CALL_TYPES)
    termination = _weighted(rng, TERMINATIONS)
    answered = termination == "NORMAL" or (termination == "FAILED" and rng.random() < 0.3)
    ring_s = rng.uniform(1.5, 25.0 if termination == "NO_ANSWER" else 12.0)
    talk_s = _talk_seconds(rng) + round(rng.random(), 3) if answered else 0.0
    destination = subscriber.country if rng.random() < 0.7 else _weighted(rng, DESTINATIONS)
    other, other_type = pool.draw(destination, (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE))
    if destination != subscriber.country:
        other_type = "INTERNATIONAL"
    if direction == "MOBILE_ORIGINATED" and rng.random() < spec.service_share:
        other = rng.choice(SERVICE_NUMBERS.get(subscriber.country, OTHER_SERVICE_NUMBERS))
        other_type, destination = "SERVICE", subscriber.country
    national = (direction == "MOBILE_ORIGINATED" and destination == subscriber.country and other_type != "SERVICE"
                and rng.random() < spec.national_format_share)
    call_id = str(uuid.UUID(int=rng.getrandbits(128)))
    linked_id = f"{call_id}-L" if rng.random() < 0.1 else None
    plan = CallPlan(subscriber, direction, other, other_type, setup, ring_s, talk_s, termination, call_type,
                    call_id, linked_id, 1, rng.random() < spec.start_record_share, national)
    if other_type != "SERVICE":
        plan = routed(plan, spec.degradation)
    return build_call(plan, rng, spec.interim_every_s, call_index)


def routed(plan: CallPlan, degradation: Degradation | None = None) -> CallPlan:
    """The leg on the trunk it takes to or from outside the network, and what a degraded trunk
    does to it: fail it at once, or make it ring later and sound worse."""
    rng = call_rng(plan.call_id, "trunk")
    trunk = pick_trunk(rng)
    if degradation is None or not degradation.applies(trunk, plan.setup):
        return replace(plan, route=Route(trunk))
    if rng.random() < degradation.failure_share:
        return replace(plan, termination="FAILED", talk_s=0.0, ring_s=min(plan.ring_s, rng.uniform(0.2, 1.5)),
                       route=Route(trunk, failed=True))
    return replace(plan, route=Route(trunk, degradation.pdd_factor, degradation.mos_drop))


def _flow_records(spec: TrafficSpec, rng: random.Random, pool: NumberPool, subscribers: list[Subscriber],
                  subscriber: Subscriber, setup: datetime, call_index: int,
                  flow: str) -> list[tuple[datetime, dict[str, Any]]]:
    """The legs of a multi-leg call (synthetic/call_flows.py), `subscriber` as A: every leg with
    the first leg's callId as linkedId (Asterisk's linkedid is its first channel's uniqueid)."""
    ours = {"A": subscriber}
    for role in ("B", "C", "D"):
        while role not in ours:
            other = rng.choice(subscribers)
            if other not in ours.values():
                ours[role] = other
    outside_country = subscriber.country if rng.random() < 0.7 else _weighted(rng, DESTINATIONS)
    numbers = {role: (who.number, who.number_type) for role, who in ours.items()}
    numbers["X"] = pool.draw(outside_country, (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE))
    numbers["E"] = pool.draw(outside_country, (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE))
    numbers["CONF"] = pool.draw(subscriber.country, (PhoneNumberType.FIXED_LINE,))
    legs = FLOWS[flow](rng)
    call_ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in legs]
    records: list[tuple[datetime, dict[str, Any]]] = []
    for sequence, (leg, call_id) in enumerate(zip(legs, call_ids, strict=True), start=1):
        plan = _leg_plan(leg, ours, numbers, setup, call_id, call_ids[0], sequence,
                         rng.random() < spec.start_record_share)
        if (leg.called if leg.direction == MO else leg.calling) not in ours:  # to or from outside: a trunk
            plan = routed(plan, spec.degradation)
        records += build_call(plan, rng, spec.interim_every_s, call_index)
    return records


def _leg_plan(leg: FlowLeg, ours: dict[str, Subscriber], numbers: dict[str, tuple[str, str]], setup: datetime,
              call_id: str, linked_id: str, sequence: int, with_start: bool) -> CallPlan:
    account = ours[leg.account]
    if leg.direction == MO:
        other, calling = numbers[leg.called], None if leg.calling == leg.account else numbers[leg.calling]
        callee = ours.get(leg.called)
    else:
        other, calling, callee = numbers[leg.calling], None, account
    other_type = other[1] if _country(other[0]) == account.country else "INTERNATIONAL"
    return CallPlan(account, leg.direction, other[0], other_type, setup + timedelta(seconds=leg.start_s), leg.ring_s,
                    leg.talk_s, leg.termination, leg.call_type, call_id, linked_id, sequence, with_start,
                    calling=calling, callee_id=callee.subscriber_id if callee else None)


def _country(number: str) -> str:
    return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or ""


def build_call(plan: CallPlan, rng: random.Random, interim_every_s: int = 300,
               call_index: int = 0) -> list[tuple[datetime, dict[str, Any]]]:
    """The records of one call leg (START and INTERIMs if asked, the STOP), each with the moment
    it is sent; the leg's incidental details (codec, QoS, node, ...) drawn from `rng`."""
    subscriber, setup = plan.subscriber, plan.setup
    answered = plan.talk_s > 0
    answer = setup + timedelta(seconds=round(plan.ring_s, 3)) if answered else None
    end = (answer + timedelta(seconds=plan.talk_s)) if answer else setup + timedelta(seconds=round(plan.ring_s, 3))
    if plan.direction == "MOBILE_ORIGINATED":
        calling, called = plan.calling or (subscriber.number, subscriber.number_type), (plan.other, plan.other_type)
    else:
        calling = (plan.other, "MOBILE" if plan.other_type == "INTERNATIONAL" else plan.other_type)
        called = (subscriber.number, subscriber.number_type)
    called_number = called[0]
    if plan.national_format:
        called_number = phonenumbers.format_number(phonenumbers.parse(called[0]), PhoneNumberFormat.NATIONAL)
    codec = _weighted(rng, CODECS)
    call_id = plan.call_id or str(uuid.UUID(int=rng.getrandbits(128)))
    base: dict[str, Any] = {
        "callId": call_id,
        "startTime": _iso(setup),
        "callingParty": {
            "number": calling[0], "numberType": calling[1], "subscriberId": subscriber.subscriber_id,
            "location": {"country": subscriber.country, "city": subscriber.city,
                         "coordinates": {"lat": subscriber.lat, "lon": subscriber.lon}}},
        "calledParty": {"number": called_number, "numberType": called[1],
                        "destination": subscriber.country if called[1] == "SERVICE"
                        else phonenumbers.region_code_for_number(phonenumbers.parse(called[0])),
                        **({"subscriberId": plan.callee_id} if plan.callee_id else {})},
        "callType": plan.call_type,
        "callDirection": plan.direction,
        "sipData": {"fromUri": f"sip:{calling[0]}@voip.example.net", "toUri": f"sip:{called[0]}@voip.example.net",
                    "callIdHeader": f"{call_id}@{rng.choice(SERVER_NODES)}",
                    "userAgent": rng.choice(USER_AGENTS), "codec": codec,
                    "ipAddress": f"198.51.100.{rng.randrange(1, 255)}"},
        "metadata": {"serverNode": rng.choice(SERVER_NODES), "tags": []},
    }
    if plan.linked_id:
        base["linkedId"] = plan.linked_id
        base["legSequence"] = plan.leg_sequence
    if plan.route:
        base["trunk"] = plan.route.trunk
    outcome = call_rng(call_id, "outcome")
    progress = None
    if plan.termination in RANG:  # the callee's phone rang: PDD after set-up, never after the answer
        pdd = pdd_seconds(plan.route, plan.other_type == "INTERNATIONAL", outcome)
        progress = setup + timedelta(seconds=round(min(pdd, plan.ring_s), 3))
    records: list[tuple[datetime, dict[str, Any]]] = []
    sequence = itertools.count(1)

    def record(kind: str, moment: datetime, **fields: Any) -> None:
        body = {**base, "recordId": f"{call_id}:{kind}:{next(sequence)}", "recordType": kind, **fields}
        records.append((moment, body))

    if plan.with_start:
        record("START", setup, duration=0)
        elapsed = interim_every_s
        while setup + timedelta(seconds=elapsed) < end:
            record("INTERIM", setup + timedelta(seconds=elapsed), duration=elapsed,
                   **({"answerTime": _iso(answer)} if answer else {}),
                   **({"progressTime": _iso(progress)} if progress else {}))
            elapsed += interim_every_s
    duration = round((end - setup).total_seconds(), 3)
    response, cause = sip_outcome(plan.termination, answered, plan.route, outcome)
    stop: dict[str, Any] = {"endTime": _iso(end), "duration": duration,
                            "billableSeconds": math.ceil(plan.talk_s), "terminationReason": plan.termination,
                            "sipData": {**base["sipData"], "responseCode": response}, "hangupCause": cause}
    if progress:
        stop["progressTime"] = _iso(progress)
    if answer:
        stop["answerTime"] = _iso(answer)
        stop["qos"] = {"jitter": round(rng.uniform(1, 40), 1), "packetLoss": round(rng.uniform(0, 3), 2),
                       "latency": round(rng.uniform(20, 250), 1),
                       "mos": mos(round(rng.uniform(2.5, 4.5), 2), plan.route)}  # the trunk's MOS
        bytes_per_s = CODEC_KBPS[codec] * 1000 // 8 * (4 if plan.call_type == "VIDEO" else 1)
        stop["dataUsage"] = {"bytesSent": int(plan.talk_s * bytes_per_s * rng.uniform(0.8, 1.0)),
                             "bytesReceived": int(plan.talk_s * bytes_per_s * rng.uniform(0.8, 1.0))}
        rate = round(rng.choice([0.01, 0.02, 0.05, 0.1, 0.25]), 4)
        amount = round(rate * math.ceil(plan.talk_s) / 60, 6) if plan.direction == "MOBILE_ORIGINATED" else 0
        stop["cost"] = {"currency": "EUR", "amount": amount, "perMinuteRate": rate,
                        "taxAmount": round(amount * 0.2, 6)}
        if rng.random() < 0.05:
            stop["metadata"] = {**base["metadata"], "recordingId": f"rec-{call_index}", "tags": ["premium"]}
    record("STOP", end, **stop)
    return records


def to_json(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)
