"""Where the dashboard reads the job's results: the streaming job's DynamoDB tables, or a
replay's output folder (DIR/<table>/ Parquet). Never a copy made for the page: each refresh
reads the tables (a snapshot is reused for at most `max_age_s`, so many open pages cost one
read per table per interval). A replay's table is read again only when its files change: a
million-CDR replay's results are ~440,000 rows, too many to parse twice a second for nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from dashboard.figures import Tables

# table → (time columns, count columns, money columns, measured columns: float or None)
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "usage_hourly": (("window_start",), ("talk_seconds", "bytes_sent", "bytes_received", "calls"), ("spend",), ()),
    "billing_monthly": ((), ("calls",), ("amount", "tax", "total"), ()),
    "metrics_minutely": (("minute_start",), ("attempts", "answered", "talk_seconds", "fraud_alerts"), ("revenue",),
                         ()),
    "fraud_alerts": (("detected_at", "window_start", "window_end"), (), ("observed", "threshold"), ()),
    "fraud_alert_status": (("changed_at",), (), (), ()),
    "pipeline_minutely": (("minute_start",), ("records_in", "rejected", "max_lag_ms"), (), ()),
    "dead_letters": (("ingest_time",), (), (), ()),
    "route_quality_minutely": (("minute_start",), ("attempts", "answered", "effective", "rang", "with_mos"), (),
                               ("pdd_mean_ms", "mos_poor_share")),
    "route_causes_minutely": (("minute_start",), ("hangup_cause", "legs"), (), ()),
}


def normalise(table: str, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    times, counts, money, measures = COLUMNS[table]
    out = []
    for row in rows:
        item = dict(row)
        for column in times:
            item[column] = _utc(item.get(column))
        for column in counts:
            value = item.get(column)
            item[column] = None if value is None and column == "max_lag_ms" else int(value or 0)
        for column in money:
            item[column] = Decimal(str(item.get(column) or 0))
        for column in measures:  # DynamoDB reads a number as Decimal; absent: no leg to measure
            item[column] = None if item.get(column) is None else float(item[column])
        out.append(item)
    return out


def _utc(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Snapshot:
    """Reads every table at most once per `max_age_s`, whatever the number of requests; a table
    whose `version` is unchanged (and not None: unknown) is not read again at all."""

    def __init__(self, read: Callable[[str], list[dict[str, Any]]], max_age_s: float = 0.5,
                 version: Callable[[str], Hashable | None] = lambda table: None):
        self._read = read
        self._version = version
        self._max_age_s = max_age_s
        self._lock = threading.Lock()
        self._taken = -1e9
        self._tables: Tables | None = None
        self._kept: dict[str, tuple[Hashable, list[dict[str, Any]]]] = {}

    def tables(self) -> Tables:
        with self._lock:
            if self._tables is None or time.monotonic() - self._taken > self._max_age_s:
                self._tables = Tables(**{table: self._rows(table) for table in COLUMNS})
                self._taken = time.monotonic()
            return self._tables

    def _rows(self, table: str) -> list[dict[str, Any]]:
        version = self._version(table)
        kept = self._kept.get(table)
        if version is not None and kept is not None and kept[0] == version:
            return kept[1]
        rows = normalise(table, self._read(table))
        if version is not None:
            self._kept[table] = (version, rows)
        return rows


def replay_snapshot(directory: Path, max_age_s: float = 0.5) -> Snapshot:
    """A replay's output folder: DIR/<table>/ of Parquet files — Flink's part files have no
    suffix; names starting with '.' or '_' are not data (a table the replay did not write is empty)."""
    import pyarrow.parquet as pq

    def files(table: str) -> list[Path]:
        folder = directory / table
        return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "_"))) \
            if folder.is_dir() else []

    def read(table: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = pq.read_table(directory / table).to_pylist() if files(table) else []
        return rows

    def version(table: str) -> Hashable:
        return tuple((file.name, file.stat().st_mtime_ns, file.stat().st_size) for file in files(table))

    return Snapshot(read, max_age_s, version)


def dynamodb_snapshot(client: Any, table_names: Mapping[str, str]) -> Snapshot:
    """The streaming job's DynamoDB tables (CdrSinks' names), scanned whole at every refresh."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()

    def read(table: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        if not table_names.get(table):  # not configured (the alert statuses are optional)
            return rows
        for page in client.get_paginator("scan").paginate(TableName=table_names[table]):
            rows += [{key: deserializer.deserialize(value) for key, value in item.items()} for item in page["Items"]]
        return rows

    return Snapshot(read)
