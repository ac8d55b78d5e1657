"""Independent expectations: what the job must produce, computed in plain Python straight
from the generated records (never through the job's parser, SQL or model)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.tariff_plans import PlanRating, RatingBook, rate_leg


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _started_seconds(start: str, end: str) -> int:
    delta = (_instant(end) - _instant(start)).total_seconds()
    return max(0, math.ceil(round(delta, 3)))


@dataclass(frozen=True)
class FinalLeg:
    """One STOP record (the first of its recordId) with what every figure derives from."""

    record: dict[str, Any]
    subscriber: str
    start: datetime  # UTC
    end: datetime  # UTC
    answered: bool  # answerTime present and terminationReason NORMAL
    talk_seconds: int  # a started second counts; 0 when not answered

    @property
    def call_id(self) -> str:
        return str(self.record["callId"])

    @property
    def called_e164(self) -> str:
        """The called number in E.164 (the generator keeps that form in sipData.toUri even when
        calledParty.number is written nationally); a service number as dialled."""
        return str(self.record["sipData"]["toUri"]).removeprefix("sip:").split("@")[0]

    @property
    def calling_country(self) -> str | None:
        """Where the caller dialled from (a service number is rated in that country)."""
        return self.record["callingParty"].get("location", {}).get("country")

    def rated(self, book: RatingBook) -> PlanRating:
        """Its price under the rating plans, by the reference rating (domain/tariff_plans.py)."""
        answered = _instant(self.record["answerTime"]) if self.answered else None
        return rate_leg(book, self.subscriber, self.called_e164, self.calling_country,
                        mobile_originated=self.record["callDirection"] == "MOBILE_ORIGINATED",
                        started_ms=_ms(self.start), answered_ms=_ms(answered) if answered else None,
                        talk_seconds=self.talk_seconds)


def final_legs(records: Iterable[dict[str, Any]]) -> Iterator[FinalLeg]:
    seen: set[str] = set()
    for record in records:
        if record["recordType"] != "STOP" or record["recordId"] in seen:
            continue
        seen.add(record["recordId"])
        answered = "answerTime" in record and record["terminationReason"] == "NORMAL"
        yield FinalLeg(record, record["callingParty"]["subscriberId"],
                       _instant(record["startTime"]).astimezone(UTC), _instant(record["endTime"]).astimezone(UTC),
                       answered, _started_seconds(record["answerTime"], record["endTime"]) if answered else 0)


USAGE_FIGURES = ("calls", "answered_calls", "duration_seconds", "talk_seconds", "mo_calls", "mt_calls",
                 "voice_calls", "video_calls", "conference_calls", "bytes_sent", "bytes_received",
                 "logical_calls", "answered_logical_calls")


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0, tzinfo=None)


# CdrJob.calls.quiet-period.seconds as the suite runs it (the default).
QUIET_PERIOD = timedelta(seconds=30)


def call_revisions(legs: list[FinalLeg], started: dict[str, datetime]) -> Iterator[tuple[datetime, list[FinalLeg]]]:
    """The record contract's (docs/cdr-record.md, "Multi-leg calls") moments a logical call is
    known, each with the legs known then: the end of a leg after which no other leg of it ends
    within the quiet period and none that STARTed by then (`started`: callId → set-up) is still
    running; a leg ending later makes a revision. (The traffic's calls are far shorter than
    the maximum call age, and each START has its STOP.)"""
    ends = {leg.call_id: leg.end for leg in legs}
    emitted = 0
    for moment in sorted({leg.end for leg in legs}):
        horizon = moment + QUIET_PERIOD
        if any(moment < leg.end <= horizon for leg in legs):
            continue
        if any(setup <= horizon and ends.get(call_id, horizon + QUIET_PERIOD) > moment
               for call_id, setup in started.items()):
            continue
        known = [leg for leg in legs if leg.end <= moment]
        if len(known) > emitted:
            emitted = len(known)
            yield moment, known


def usage_hourly(records: Iterable[dict[str, Any]]) -> dict[tuple[str, datetime], dict[str, int]]:
    """(subscriber, hour start UTC) -> the usage_hourly figures, over STOP records, each
    recordId once. Logical calls: legs grouped by linkedId (absent: the callId), each
    subscriber on them counted once, in the hour of the first revision of the call they are on
    (`call_revisions`), answered in the hour the call first was for them."""
    records = list(records)
    usage: dict[tuple[str, datetime], dict[str, int]] = {}

    def row(subscriber: str, hour: datetime) -> dict[str, int]:
        return usage.setdefault((subscriber, hour), dict.fromkeys(USAGE_FIGURES, 0))

    calls: dict[str, list[FinalLeg]] = defaultdict(list)
    for leg in final_legs(records):
        record = leg.record
        figures = row(leg.subscriber, _hour(leg.end))
        figures["calls"] += 1
        figures["answered_calls"] += leg.answered
        figures["duration_seconds"] += _started_seconds(record["startTime"], record["endTime"])
        figures["talk_seconds"] += leg.talk_seconds
        figures["mo_calls"] += record["callDirection"] == "MOBILE_ORIGINATED"
        figures["mt_calls"] += record["callDirection"] == "MOBILE_TERMINATED"
        figures["voice_calls"] += record["callType"] == "VOICE"
        figures["video_calls"] += record["callType"] == "VIDEO"
        figures["conference_calls"] += record["callType"] == "CONFERENCE"
        data = record.get("dataUsage", {})
        figures["bytes_sent"] += data.get("bytesSent", 0)
        figures["bytes_received"] += data.get("bytesReceived", 0)
        calls[record.get("linkedId") or record["callId"]].append(leg)
    started: dict[str, dict[str, datetime]] = defaultdict(dict)
    for record in records:
        if record["recordType"] == "START" and record.get("linkedId"):
            started[record["linkedId"]].setdefault(record["callId"], _instant(record["startTime"]).astimezone(UTC))
    for linked_id, legs in calls.items():
        counted: set[str] = set()
        was_answered = False
        for moment, known in call_revisions(legs, started[linked_id]):
            participants = {leg.subscriber for leg in known}
            answered = any(leg.answered for leg in known)
            for subscriber in participants - counted:
                figures = row(subscriber, _hour(moment))
                figures["logical_calls"] += 1
                figures["answered_logical_calls"] += answered
            if answered and not was_answered:
                for subscriber in participants & counted:
                    row(subscriber, _hour(moment))["answered_logical_calls"] += 1
            counted |= participants
            was_answered = answered
    return usage


def metrics_by_minute(records: Iterable[dict[str, Any]]) -> dict[tuple[datetime, str, str, str], dict[str, int]]:
    """(minute of endTime UTC, destination, direction, callType) -> attempts, answered, talk
    seconds, over STOP records, each recordId once."""
    metrics: dict[tuple[datetime, str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for leg in final_legs(records):
        record = leg.record
        minute = leg.end.replace(second=0, microsecond=0, tzinfo=None)
        key = (minute, record["calledParty"].get("destination") or "ZZ", record["callDirection"], record["callType"])
        row = metrics[key]
        row["attempts"] += 1
        row["answered"] += leg.answered
        row["talk_seconds"] += leg.talk_seconds
    return {key: dict(value) for key, value in metrics.items()}


ROUTE_FIGURES = ("attempts", "answered", "effective", "asr", "ner", "acd_s", "aloc_s", "rang", "pdd_mean_ms",
                 "pdd_p95_ms", "with_mos", "mos_mean", "mos_poor_share", "jitter_mean_ms", "packet_loss_mean_pct",
                 "latency_mean_ms")


def _network_effective(record: dict[str, Any]) -> bool:
    """NER's effective outcome (docs/cdr-record.md, E.425): answered, busy, no answer, rejected,
    or abandoned while ringing — by SIP code, else Q.850 cause, else termination reason."""
    rang = "progressTime" in record
    if "answerTime" in record:
        return True
    code = record.get("sipData", {}).get("responseCode")
    if code is not None:
        return code in (486, 600, 480, 408, 603) or (code == 487 and rang)
    cause = record.get("hangupCause")
    if cause is not None:
        return cause in (17, 18, 19, 21) or (cause == 16 and rang)
    return record["terminationReason"] in ("BUSY", "NO_ANSWER") or (record["terminationReason"] == "CANCELLED" and rang)


def _p95(values: list[int]) -> float:
    """The 95th percentile, linear between the closest ranks."""
    ordered = sorted(values)
    position = 0.95 * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


RouteKey = tuple[datetime, str, str, str]


def route_legs(records: Iterable[dict[str, Any]], hourly: bool = False,
               window_minutes: int = 1) -> dict[RouteKey, list[FinalLeg]]:
    """(minute — or hour, or window of `window_minutes` — of endTime UTC, destination, trunk,
    direction) -> its final legs."""
    minutes = 60 if hourly else window_minutes
    legs: dict[RouteKey, list[FinalLeg]] = defaultdict(list)
    for leg in final_legs(records):
        record = leg.record
        start = leg.end.replace(second=0, microsecond=0, tzinfo=None)
        start -= timedelta(minutes=(start.hour * 60 + start.minute) % minutes)
        legs[(start, record["calledParty"].get("destination") or "ZZ", record.get("trunk") or "on-net",
              record["callDirection"])].append(leg)
    return legs


def route_quality(records: Iterable[dict[str, Any]], hourly: bool = False,
                  window_minutes: int = 1) -> dict[RouteKey, dict[str, Any]]:
    """Per minute (or hour, or window) and route, the route-quality figures (sql/views/quality/),
    over STOP records, each recordId once."""
    out = {}
    for key, legs in route_legs(records, hourly, window_minutes).items():
        answered = sum(leg.answered for leg in legs)
        effective = sum(_network_effective(leg.record) for leg in legs)
        pdd = [_ms(_instant(leg.record["progressTime"])) - _ms(leg.start) for leg in legs
               if "progressTime" in leg.record]
        qos = [leg.record["qos"] for leg in legs if "qos" in leg.record]
        mos = [q["mos"] for q in qos if "mos" in q]
        out[key] = {
            "attempts": len(legs), "answered": answered, "effective": effective,
            "asr": answered / len(legs), "ner": effective / len(legs),
            "acd_s": float(sum(leg.talk_seconds for leg in legs)) / answered if answered else None,
            "aloc_s": float(sum(_ms(leg.end) - _ms(leg.start) for leg in legs)) / 1000 / len(legs),
            "rang": len(pdd), "pdd_mean_ms": _mean([float(p) for p in pdd]), "pdd_p95_ms": _p95(pdd) if pdd else None,
            "with_mos": len(mos), "mos_mean": _mean(mos),
            "mos_poor_share": sum(m < 3.5 for m in mos) / len(mos) if mos else None,
            "jitter_mean_ms": _mean([q["jitter"] for q in qos if "jitter" in q]),
            "packet_loss_mean_pct": _mean([q["packetLoss"] for q in qos if "packetLoss" in q]),
            "latency_mean_ms": _mean([q["latency"] for q in qos if "latency" in q])}
    return out


def route_causes(records: Iterable[dict[str, Any]],
                 hourly: bool = False) -> dict[tuple[datetime, str, str, str, int], int]:
    """(minute or hour, destination, trunk, direction, Q.850 cause or -1) -> final legs."""
    causes: dict[tuple[datetime, str, str, str, int], int] = defaultdict(int)
    for key, legs in route_legs(records, hourly).items():
        for leg in legs:
            causes[(*key, leg.record.get("hangupCause", -1))] += 1
    return dict(causes)


def assert_route_figures_equal(actual: dict[RouteKey, dict[str, Any]],
                               expected: dict[RouteKey, dict[str, Any]]) -> None:
    """Counts exactly; means of measurements to 1e-9 (the order of a floating sum is the job's)."""
    assert actual.keys() == expected.keys()
    for key, want in expected.items():
        got = actual[key]
        for figure in ROUTE_FIGURES:
            if isinstance(want[figure], float) and figure.endswith(("_mean", "_mean_ms", "_mean_pct", "p95_ms")):
                assert got[figure] is not None and math.isclose(got[figure], want[figure], rel_tol=1e-9), \
                    (key, figure, got[figure], want[figure])
            else:
                assert got[figure] == want[figure], (key, figure, got[figure], want[figure])
