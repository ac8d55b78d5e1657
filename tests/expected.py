"""Independent expectations: what the job must produce, computed in plain Python straight
from the generated records (never through the job's parser, SQL or model)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


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
    def called_e164(self) -> str:
        """The called number in E.164 (the generator keeps that form in sipData.toUri even when
        calledParty.number is written nationally); a service number as dialled."""
        return str(self.record["sipData"]["toUri"]).removeprefix("sip:").split("@")[0]

    @property
    def calling_country(self) -> str | None:
        """Where the caller dialled from (a service number is rated in that country)."""
        return self.record["callingParty"].get("location", {}).get("country")


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


def usage_hourly(records: Iterable[dict[str, Any]]) -> dict[tuple[str, datetime], dict[str, int]]:
    """(subscriber, hour start UTC) -> the usage_hourly figures, over STOP records, each
    recordId once. Logical calls: legs grouped by linkedId (absent: the callId), counted once
    per subscriber on them, answered if any leg was, in the hour of the call's last end."""
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
    for legs in calls.values():
        ended = max(leg.end for leg in legs)
        for subscriber in {leg.subscriber for leg in legs}:
            figures = row(subscriber, _hour(ended))
            figures["logical_calls"] += 1
            figures["answered_logical_calls"] += any(leg.answered for leg in legs)
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
