"""Independent expectations: what the job must produce, computed in plain Python straight
from the generated records (never through the job's parser, SQL or model)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _started_seconds(start: str, end: str) -> int:
    delta = (_instant(end) - _instant(start)).total_seconds()
    return max(0, math.ceil(round(delta, 3)))


def usage_hourly(records: Iterable[dict[str, Any]]) -> dict[tuple[str, datetime], dict[str, int]]:
    """(subscriber, hour start UTC) -> the usage_hourly figures, over STOP records, each
    recordId once."""
    seen: set[str] = set()
    usage: dict[tuple[str, datetime], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for record in records:
        if record["recordType"] != "STOP" or record["recordId"] in seen:
            continue
        seen.add(record["recordId"])
        end = _instant(record["endTime"]).astimezone(UTC)
        hour = end.replace(minute=0, second=0, microsecond=0, tzinfo=None)
        row = usage[(record["callingParty"]["subscriberId"], hour)]
        answered = "answerTime" in record and record["terminationReason"] == "NORMAL"
        row["calls"] += 1
        row["answered_calls"] += answered
        row["duration_seconds"] += _started_seconds(record["startTime"], record["endTime"])
        row["talk_seconds"] += _started_seconds(record["answerTime"], record["endTime"]) if answered else 0
        row["mo_calls"] += record["callDirection"] == "MOBILE_ORIGINATED"
        row["mt_calls"] += record["callDirection"] == "MOBILE_TERMINATED"
        row["voice_calls"] += record["callType"] == "VOICE"
        row["video_calls"] += record["callType"] == "VIDEO"
        row["conference_calls"] += record["callType"] == "CONFERENCE"
        data = record.get("dataUsage", {})
        row["bytes_sent"] += data.get("bytesSent", 0)
        row["bytes_received"] += data.get("bytesReceived", 0)
    return {key: dict(value) for key, value in usage.items()}


USAGE_FIGURES = ("calls", "answered_calls", "duration_seconds", "talk_seconds", "mo_calls", "mt_calls",
                 "voice_calls", "video_calls", "conference_calls", "bytes_sent", "bytes_received")


def metrics_by_minute(records: Iterable[dict[str, Any]]) -> dict[tuple[datetime, str, str, str], dict[str, int]]:
    """(minute of endTime UTC, destination, direction, callType) -> attempts, answered, talk
    seconds, over STOP records, each recordId once."""
    seen: set[str] = set()
    metrics: dict[tuple[datetime, str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for record in records:
        if record["recordType"] != "STOP" or record["recordId"] in seen:
            continue
        seen.add(record["recordId"])
        minute = _instant(record["endTime"]).astimezone(UTC).replace(second=0, microsecond=0, tzinfo=None)
        key = (minute, record["calledParty"].get("destination") or "ZZ", record["callDirection"], record["callType"])
        answered = "answerTime" in record and record["terminationReason"] == "NORMAL"
        row = metrics[key]
        row["attempts"] += 1
        row["answered"] += answered
        row["talk_seconds"] += _started_seconds(record["answerTime"], record["endTime"]) if answered else 0
    return {key: dict(value) for key, value in metrics.items()}
