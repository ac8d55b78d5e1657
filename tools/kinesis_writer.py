"""Puts records on a Kinesis stream in PutRecords batches, retrying the records that fail.

Kinesis accepts up to 500 records and 5 MiB per call and may reject some records of a batch
(throttling): those, and only those, are sent again with backoff, so nothing is lost and
nothing is duplicated by the retry itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

MAX_RECORDS = 500
MAX_BYTES = 5 * 1024 * 1024
MAX_RECORD_BYTES = 1024 * 1024


@dataclass
class KinesisWriter:
    client: Any  # a boto3 Kinesis client
    stream_arn: str
    max_attempts: int = 8
    sent: int = 0
    retried: int = 0
    _batch: list[dict[str, Any]] = field(default_factory=list)
    _bytes: int = 0

    def put(self, data: bytes, partition_key: str) -> None:
        size = len(data) + len(partition_key.encode())
        if size > MAX_RECORD_BYTES:
            raise ValueError(f"record of {size} bytes is over Kinesis' 1 MiB limit")
        if len(self._batch) == MAX_RECORDS or self._bytes + size > MAX_BYTES:
            self.flush()
        self._batch.append({"Data": data, "PartitionKey": partition_key})
        self._bytes += size

    def flush(self) -> None:
        batch, self._batch, self._bytes = self._batch, [], 0
        delay = 0.05
        for attempt in range(1, self.max_attempts + 1):
            if not batch:
                return
            response = self.client.put_records(StreamARN=self.stream_arn, Records=batch)
            results = response["Records"]
            failed = [record for record, result in zip(batch, results, strict=True) if "ErrorCode" in result]
            self.sent += len(batch) - len(failed)
            if failed and attempt < self.max_attempts:
                self.retried += len(failed)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
            batch = failed
        if batch:
            raise RuntimeError(f"{len(batch)} records still rejected by Kinesis after {self.max_attempts} attempts")
