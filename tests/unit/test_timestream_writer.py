"""The Timestream writer, against moto's Timestream run in-process (its records can be read
back only there) and against a throttling fake."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from moto.timestreamwrite.models import timestreamwrite_backends

from jobs.timestream_writer import DisabledWriter, TimestreamWriter
from tests.unit.test_metrics import metrics


@pytest.fixture
def timestream() -> Iterator[Any]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client("timestream-write", region_name="us-east-1", endpoint_url=f"http://{host}:{port}",
                          aws_access_key_id="local", aws_secret_access_key="local")
    client.create_database(DatabaseName="cdr")
    client.create_table(DatabaseName="cdr", TableName="minutely")
    try:
        yield client
    finally:
        server.stop()


def stored() -> list[dict[str, Any]]:
    return [record for account in timestreamwrite_backends.values()
            for record in account["us-east-1"].databases["cdr"].tables["minutely"].records]


def test_writes_every_record_in_batches_of_at_most_100(timestream: Any) -> None:
    calls: list[int] = []
    original = timestream.write_records

    def counting(**kwargs: Any) -> Any:
        calls.append(len(kwargs["Records"]))
        return original(**kwargs)

    timestream.write_records = counting
    rows = [metrics(f"C{i:03d}", attempts=i + 1, answered=i) for i in range(230)]
    writer = TimestreamWriter(timestream, "cdr", "minutely", clock=lambda: 1_800_000_000.0)
    assert writer.write(rows) == []
    assert calls == [100, 100, 30]
    records = stored()
    assert len(records) == 230
    by_country = {r["Dimensions"][0]["Value"]: r for r in records}
    assert {m["Name"]: m["Value"] for m in by_country["C009"]["MeasureValues"]}["attempts"] == "10"
    assert by_country["C009"]["Version"] == 1_800_000_000_000


def test_an_invalid_record_is_returned_not_written(timestream: Any) -> None:
    rejected = TimestreamWriter(timestream, "cdr", "minutely").write([metrics(""), metrics("FR")])
    assert [r.reason.split(":")[0] for r in rejected] == ["invalid"]
    assert [r["Dimensions"][0]["Value"] for r in stored()] == ["FR"]


class Throttled(Exception):
    def __init__(self) -> None:
        self.response = {"Error": {"Code": "ThrottlingException"}}


class FlakyClient:
    """Throttles the first two calls, then accepts."""

    class exceptions:  # noqa: N801 - mirrors boto3's client.exceptions
        class RejectedRecordsException(Exception):
            pass

    def __init__(self) -> None:
        self.calls = 0

    def write_records(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls <= 2:
            raise Throttled()
        return {}


def test_throttling_is_retried_with_backoff() -> None:
    client, sleeps = FlakyClient(), []
    writer = TimestreamWriter(client, "cdr", "minutely", sleep=sleeps.append)
    assert writer.write([metrics("GB")]) == []
    assert client.calls == 3 and sleeps == [0.1, 0.2]


def test_disabled_writer_writes_nothing() -> None:
    assert DisabledWriter().write([metrics("GB")]) == []


class RejectingClient(FlakyClient):
    """Rejects the second record of every call, as Timestream does (e.g. a version conflict)."""

    class exceptions:  # noqa: N801
        class RejectedRecordsException(Exception):
            def __init__(self, response: dict[str, Any]) -> None:
                self.response = response

    def write_records(self, **kwargs: Any) -> dict[str, Any]:
        raise self.exceptions.RejectedRecordsException(
            {"RejectedRecords": [{"RecordIndex": 1, "Reason": "A record with a higher version exists"}]})


def test_rejected_records_are_returned_with_timestreams_reason() -> None:
    rejected = TimestreamWriter(RejectingClient(), "cdr", "minutely").write([metrics("GB"), metrics("FR")])
    assert [(r.record["Dimensions"][0]["Value"], r.reason) for r in rejected] == [
        ("FR", "A record with a higher version exists")]
