"""PutRecords batching: at most 500 records a call, only failed records retried; KPL
aggregation: the format byte for byte, shard placement, order per key, resharding."""

from __future__ import annotations

import hashlib
from typing import Any

from stream_io.kinesis_writer import MAX_AGGREGATE_BYTES, Aggregate, KinesisWriter


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


class ResendingKinesis(FlakyKinesis):
    """Answers as boto3 does after its HTTP layer sent a call twice (RetryAttempts: 1)."""

    def put_records(self, StreamARN: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
        response = super().put_records(StreamARN, Records)
        response["ResponseMetadata"] = {"RetryAttempts": 1 if len(self.calls) % 2 else 0}
        return response


def test_counts_calls_boto3_sent_again() -> None:
    client = ResendingKinesis()
    writer = KinesisWriter(client, "arn:aws:kinesis:us-east-1:000000000000:stream/s")
    for i in range(1_200):
        writer.put(f"record-{i}".encode(), "key")
    writer.flush()
    odd_calls = (len(client.calls) + 1) // 2
    assert writer.resent_calls == odd_calls > 0


# --- KPL aggregation ------------------------------------------------------------------------

def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) of a protobuf message: only the varint and length-delimited wire types."""
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        tag, pos = _varint(data, pos)
        if tag & 7 == 0:
            value, pos = _varint(data, pos)
            out.append((tag >> 3, value))
        else:
            assert tag & 7 == 2
            length, pos = _varint(data, pos)
            out.append((tag >> 3, data[pos:pos + length]))
            pos += length
    return out


def unpack(data: bytes) -> list[tuple[str, bytes]]:
    """(partition key, data) of each user record of a KPL aggregate, read by the format's spec."""
    assert data[:4] == bytes([0xF3, 0x89, 0x9A, 0xC2])
    body, digest = data[4:-16], data[-16:]
    assert hashlib.md5(body).digest() == digest
    fields = _fields(body)
    keys = [value.decode() for number, value in fields if number == 1]
    records = [dict(_fields(value)) for number, value in fields if number == 3]
    return [(keys[record[1]], record[3]) for record in records]


def test_an_aggregate_is_laid_out_as_the_kpl_writes_it() -> None:
    packed = Aggregate()
    packed.add(b"x", "a")
    packed.add(b"yz", "b")
    packed.add(b"", "a")
    body = bytes([0x0A, 1, ord("a"), 0x0A, 1, ord("b"),  # partition key table
                  0x1A, 5, 0x08, 0, 0x1A, 1, ord("x"),  # record: key 0, data "x"
                  0x1A, 6, 0x08, 1, 0x1A, 2, ord("y"), ord("z"),  # record: key 1, data "yz"
                  0x1A, 4, 0x08, 0, 0x1A, 0])  # record: key 0, empty data
    assert packed.encode() == bytes([0xF3, 0x89, 0x9A, 0xC2]) + body + hashlib.md5(body).digest()
    assert packed.size == len(packed.encode())
    entry = packed.entry()
    assert entry["PartitionKey"] == "a"
    assert entry["ExplicitHashKey"] == str(int(hashlib.md5(b"a").hexdigest(), 16))


def md5_key(partition_key: str) -> int:
    return int(hashlib.md5(partition_key.encode()).hexdigest(), 16)


class ShardedKinesis:
    """Places records by hash key over its open shards, as Kinesis does; can be resharded."""

    def __init__(self, shards: int) -> None:
        self.stored: list[tuple[str, dict[str, Any]]] = []
        self.list_calls = 0
        self.reshard(shards)

    def reshard(self, shards: int) -> None:
        width = 2**128 // shards
        self.ranges = [(f"shard-{shards}-{i}", i * width, 2**128 - 1 if i == shards - 1 else (i + 1) * width - 1)
                       for i in range(shards)]

    def list_shards(self, **request: Any) -> dict[str, Any]:
        self.list_calls += 1
        return {"Shards": [{"ShardId": shard, "SequenceNumberRange": {"StartingSequenceNumber": "1"},
                            "HashKeyRange": {"StartingHashKey": str(first), "EndingHashKey": str(last)}}
                           for shard, first, last in self.ranges]}

    def shard_of(self, hash_key: int) -> str:
        return next(shard for shard, first, last in self.ranges if first <= hash_key <= last)

    def put_records(self, StreamARN: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
        results = []
        for record in Records:
            key = int(record.get("ExplicitHashKey") or md5_key(record["PartitionKey"]))
            shard = self.shard_of(key)
            self.stored.append((shard, record))
            results.append({"SequenceNumber": str(len(self.stored)), "ShardId": shard})
        return {"Records": results}


def test_aggregates_keep_each_key_on_its_shard_and_in_order() -> None:
    client = ShardedKinesis(shards=4)
    writer = KinesisWriter(client, "arn:aws:kinesis:us-east-1:000000000000:stream/s", aggregate=True)
    sent = [(f"record-{i}-".encode() * (1 + i % 40), f"subscriber-{i % 97}") for i in range(3_000)]
    for data, key in sent:
        writer.put(data, key)
    writer.flush()
    assert writer.sent == 3_000
    received: list[tuple[bytes, str]] = []
    for shard, record in client.stored:
        assert len(record["Data"]) <= MAX_AGGREGATE_BYTES
        for key, data in unpack(record["Data"]):
            assert client.shard_of(md5_key(key)) == shard  # Kinesis' placement
            received.append((data, key))
    assert len(client.stored) < 3_000 / 20  # packed, not one Kinesis record per CDR
    assert sorted(received) == sorted(sent)
    for key in {key for _, key in sent}:
        assert [d for d, k in received if k == key] == [d for d, k in sent if k == key]


def test_a_record_too_big_to_pack_goes_alone_and_after_its_shards_earlier_records() -> None:
    client = ShardedKinesis(shards=1)
    writer = KinesisWriter(client, "arn:s", aggregate=True)
    writer.put(b"small", "k")
    writer.put(b"B" * MAX_AGGREGATE_BYTES, "k")
    writer.flush()
    first, second = (record["Data"] for _, record in client.stored)
    assert unpack(first) == [("k", b"small")]
    assert second == b"B" * MAX_AGGREGATE_BYTES


def test_a_reshard_is_noticed_and_the_shard_map_read_again() -> None:
    client = ShardedKinesis(shards=1)
    writer = KinesisWriter(client, "arn:s", aggregate=True)
    for i in range(50):
        writer.put(b"x", f"k{i}")
    writer.flush()
    client.reshard(2)
    for i in range(50):
        writer.put(b"x", f"k{i}")
    writer.flush()  # aimed at the old shard: lands elsewhere, so the map is stale
    for i in range(50):
        writer.put(b"x", f"k{i}")
    writer.flush()
    assert client.list_calls == 2
    for shard, record in client.stored[-2:]:  # the third round, packed by the new map
        assert all(client.shard_of(md5_key(k)) == shard
                   for k, _ in unpack(record["Data"]))
