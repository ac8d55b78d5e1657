"""PutRecords batching: at most 500 records a call, only failed records retried."""

from __future__ import annotations

from typing import Any

from tools.kinesis_writer import KinesisWriter


class FlakyKinesis:
    """Rejects every third record of each call the first time it sees it."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.stored: list[bytes] = []
        self._rejected: set[bytes] = set()

    def put_records(self, StreamARN: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(len(Records))
        results = []
        for index, record in enumerate(Records):
            if index % 3 == 2 and record["Data"] not in self._rejected:
                self._rejected.add(record["Data"])
                results.append({"ErrorCode": "ProvisionedThroughputExceededException"})
            else:
                self.stored.append(record["Data"])
                results.append({"SequenceNumber": str(len(self.stored))})
        return {"Records": results}


def test_batches_and_retries_only_failures() -> None:
    client = FlakyKinesis()
    writer = KinesisWriter(client, "arn:aws:kinesis:us-east-1:000000000000:stream/s")
    payloads = [f"record-{i}".encode() for i in range(1_200)]
    for payload in payloads:
        writer.put(payload, "key")
    writer.flush()
    assert max(client.calls) == 500
    assert sorted(client.stored) == sorted(payloads)  # every record once: none lost, none doubled
    assert writer.sent == 1_200 and writer.retried > 0
