"""Per-minute operational metrics as Timestream records (the writer is the job's:
jobs/timestream_writer.py).

Operations watch minute-by-minute figures per destination country, direction, call type and
currency (revenue is in the currency of the plans that priced it, never added across them).
The emulator validates nothing, so this module enforces what the real service would reject:
at most 100 records per WriteRecords call, values that parse as their declared measure type,
dimension limits. Revenue is written as integer micro-units (BIGINT), exact, never as a float.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

MAX_RECORDS_PER_CALL = 100
MAX_DIMENSION_VALUE_BYTES = 2048
MEASURE_NAME = "cdr_minute"


@dataclass(frozen=True)
class MinuteMetrics:
    """The figures of one minute for one (destination country, direction, call type, currency);
    currency None: a row that only counts fraud alerts."""

    minute: datetime
    destination_country: str
    direction: str
    call_type: str
    attempts: int
    answered: int
    talk_seconds: int
    revenue: Decimal
    fraud_alerts: int = 0
    currency: str | None = None

    @property
    def asr(self) -> float:
        """Answer-seizure ratio (ITU-T E.411): answered calls / attempts."""
        return self.answered / self.attempts if self.attempts else 0.0

    @property
    def acd_seconds(self) -> float:
        """Average call duration: talk time / answered calls."""
        return self.talk_seconds / self.answered if self.answered else 0.0

    def record(self, version: int) -> dict[str, Any]:
        return to_record(self, version)


class MinuteRecord(Protocol):
    """A minute's (or hour's) figures the Timestream writer stores (MinuteMetrics, route_quality.RouteMinute);
    `minute` is the start of the period they cover."""

    @property
    def minute(self) -> datetime: ...

    def record(self, version: int) -> dict[str, Any]: ...


def to_record(metrics: MinuteMetrics, version: int) -> dict[str, Any]:
    """One Timestream MULTI-measure record. A higher `version` overwrites the same minute and
    dimensions, so a replay rewrites its figures instead of being rejected as a conflict."""
    minute = metrics.minute if metrics.minute.tzinfo else metrics.minute.replace(tzinfo=UTC)
    micros = (metrics.revenue * 1_000_000).to_integral_exact()
    return {
        "Dimensions": [
            {"Name": "destination_country", "Value": metrics.destination_country},
            {"Name": "direction", "Value": metrics.direction},
            {"Name": "call_type", "Value": metrics.call_type},
            *([{"Name": "currency", "Value": metrics.currency}] if metrics.currency else []),
        ],
        "MeasureName": MEASURE_NAME,
        "MeasureValueType": "MULTI",
        "MeasureValues": [
            {"Name": "attempts", "Value": str(metrics.attempts), "Type": "BIGINT"},
            {"Name": "answered", "Value": str(metrics.answered), "Type": "BIGINT"},
            {"Name": "asr", "Value": repr(metrics.asr), "Type": "DOUBLE"},
            {"Name": "acd_seconds", "Value": repr(metrics.acd_seconds), "Type": "DOUBLE"},
            {"Name": "talk_minutes", "Value": repr(metrics.talk_seconds / 60), "Type": "DOUBLE"},
            {"Name": "revenue_micros", "Value": str(int(micros)), "Type": "BIGINT"},
            {"Name": "fraud_alerts", "Value": str(metrics.fraud_alerts), "Type": "BIGINT"},
        ],
        "Time": str(int(minute.timestamp() * 1000)),
        "TimeUnit": "MILLISECONDS",
        "Version": version,
    }


def check_record(record: dict[str, Any]) -> None:
    """Raises ValueError for what Timestream would reject (the emulator accepts anything)."""
    for dimension in record["Dimensions"]:
        value = dimension["Value"]
        if not value or len(value.encode("utf-8")) > MAX_DIMENSION_VALUE_BYTES:
            raise ValueError(f"dimension {dimension['Name']} must have 1 to 2048 bytes, got {value!r}")
    for measure in record["MeasureValues"]:
        kind, text = measure["Type"], measure["Value"]
        if kind == "BIGINT":
            if not text.lstrip("-").isdigit() or not -(2**63) <= int(text) < 2**63:
                raise ValueError(f"measure {measure['Name']} is not a BIGINT: {text!r}")
        elif kind == "DOUBLE":
            if not math.isfinite(float(text)):
                raise ValueError(f"measure {measure['Name']} is not a finite DOUBLE: {text!r}")
        else:
            raise ValueError(f"measure {measure['Name']} has an unsupported type {kind}")


def batches(records: Sequence[dict[str, Any]], size: int = MAX_RECORDS_PER_CALL) -> Iterator[list[dict[str, Any]]]:
    if not 1 <= size <= MAX_RECORDS_PER_CALL:
        raise ValueError(f"a WriteRecords batch holds 1 to {MAX_RECORDS_PER_CALL} records, not {size}")
    for start in range(0, len(records), size):
        yield list(records[start:start + size])
