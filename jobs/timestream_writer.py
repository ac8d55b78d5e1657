"""The Timestream writer of the per-minute figures (domain/metrics.py and domain/route_quality.py
make the records).

Timestream for LiveAnalytics no longer takes new AWS customers, so the writer sits behind a
small interface (`MetricsWriter`) and can be turned off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from domain.metrics import MinuteRecord, batches, check_record

LOG = logging.getLogger(__name__)
RETRYABLE = ("ThrottlingException", "InternalServerException", "ServiceUnavailableException")


@dataclass(frozen=True)
class Rejected:
    """A record the writer could not store, with Timestream's (or our own check's) reason."""

    record: dict[str, Any]
    reason: str


class MetricsWriter(Protocol):
    def write(self, metrics: Sequence[MinuteRecord]) -> list[Rejected]: ...


class DisabledWriter:
    """Metrics turned off by configuration: accepts everything, writes nothing."""

    def write(self, metrics: Sequence[MinuteRecord]) -> list[Rejected]:
        return []


class TimestreamWriter:
    """Writes metrics with WriteRecords in batches of up to 100, retrying throttling and
    server errors with exponential backoff; rejected records are logged and returned, never
    silently dropped."""

    def __init__(self, client: Any, database: str, table: str, *, max_attempts: int = 6,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time):
        self._client = client
        self._database = database
        self._table = table
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._clock = clock

    def write(self, metrics: Sequence[MinuteRecord]) -> list[Rejected]:
        version = int(self._clock() * 1000)
        rejected: list[Rejected] = []
        records = []
        for item in metrics:
            record = item.record(version)
            try:
                check_record(record)
                records.append(record)
            except ValueError as error:
                rejected.append(Rejected(record, f"invalid: {error}"))
        for batch in batches(records):
            rejected += self._write_batch(batch)
        for failure in rejected:
            LOG.warning("Timestream record rejected (%s): dimensions %s", failure.reason, failure.record["Dimensions"])
        return rejected

    def _write_batch(self, batch: list[dict[str, Any]]) -> list[Rejected]:
        delay = 0.1
        for attempt in range(1, self._max_attempts + 1):
            try:
                self._client.write_records(DatabaseName=self._database, TableName=self._table, Records=batch)
                return []
            except self._client.exceptions.RejectedRecordsException as error:
                details = error.response.get("RejectedRecords", [])
                return [Rejected(batch[d["RecordIndex"]], d.get("Reason", "rejected")) for d in details]
            except Exception as error:  # botocore ClientError: retry only what may pass later
                code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
                if code not in RETRYABLE or attempt == self._max_attempts:
                    raise
                self._sleep(delay)
                delay = min(delay * 2, 5.0)
        return []
