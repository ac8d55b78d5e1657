"""Puts records on a Kinesis stream in PutRecords batches, retrying the records that fail.

Kinesis accepts up to 500 records and 5 MiB per call and may reject some records of a batch
(throttling): those, and only those, are sent again with backoff, so nothing is lost and
nothing is duplicated by the retry itself.

With `aggregate=True` the records are packed in the KPL aggregation format (what the Kinesis
Producer Library and aws-kinesis-agg write, and what the job's source unpacks): the records
bound for one shard (predicted from the partition key's MD5 and the shard map, as Kinesis
places them) go into one Kinesis record of up to 50 KiB. A 700-byte CDR alone would use a
whole 25 KB PUT unit and one of a shard's 1,000 records/s; packed, ~70 CDRs share one shard
record and ~35 share a PUT unit. Order per partition key is kept: a key's records go to one
shard, in order.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

MAX_RECORDS = 500
MAX_BYTES = 5 * 1024 * 1024
MAX_RECORD_BYTES = 1024 * 1024
AGGREGATE_MAGIC = b"\xf3\x89\x9a\xc2"
MAX_AGGREGATE_BYTES = 50 * 1024  # the KPL's default AggregationMaxSize (51,200)


def hash_key(partition_key: str) -> int:
    """Where Kinesis places a partition key: its MD5 read as a 128-bit big-endian integer."""
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _length_delimited(field_number: int, payload: bytes) -> bytes:
    return _varint(field_number << 3 | 2) + _varint(len(payload)) + payload


@dataclass
class Aggregate:
    """User records for one shard, as a KPL AggregatedRecord: a table of partition keys and
    records (partition key index, data)."""

    keys: dict[str, int] = field(default_factory=dict)
    records: list[bytes] = field(default_factory=list)
    size: int = len(AGGREGATE_MAGIC) + 16  # magic and MD5 digest

    def cost(self, data: bytes, partition_key: str) -> int:
        """Bytes that adding this record would add to the encoded aggregate."""
        key = b"" if partition_key in self.keys else _length_delimited(1, partition_key.encode("utf-8"))
        index = self.keys.get(partition_key, len(self.keys))
        record_bytes = 2 + len(_varint(index)) + len(_varint(len(data))) + len(data)  # as _record lays it out
        return len(key) + 1 + len(_varint(record_bytes)) + record_bytes

    def add(self, data: bytes, partition_key: str) -> None:
        self.size += self.cost(data, partition_key)
        self.records.append(self._record(data, self.keys.setdefault(partition_key, len(self.keys))))

    @staticmethod
    def _record(data: bytes, key_index: int) -> bytes:
        """A Record message: partition_key_index (field 1, varint) and data (field 3)."""
        return _varint(1 << 3) + _varint(key_index) + _length_delimited(3, data)

    def encode(self) -> bytes:
        body = b"".join(_length_delimited(1, key.encode("utf-8")) for key in self.keys)
        body += b"".join(_length_delimited(3, record) for record in self.records)
        return AGGREGATE_MAGIC + body + hashlib.md5(body).digest()

    def entry(self) -> dict[str, Any]:
        first = next(iter(self.keys))
        return {"Data": self.encode(), "PartitionKey": first, "ExplicitHashKey": str(hash_key(first))}


@dataclass
class KinesisWriter:
    client: Any  # a boto3 Kinesis client
    stream_arn: str
    aggregate: bool = False
    max_attempts: int = 8
    sent: int = 0  # user records acknowledged by Kinesis
    retried: int = 0  # Kinesis records sent again
    # PutRecords calls that boto3 itself sent again (a timeout or a dropped connection): the
    # first attempt may have been stored too, so the records of such a call can be on the
    # stream twice. The job drops a doubled CDR by its recordId; a count here explains it.
    resent_calls: int = 0
    # (PutRecords entry, user records in it, shard it was aimed at or None)
    _batch: list[tuple[dict[str, Any], int, str | None]] = field(default_factory=list)
    _bytes: int = 0
    _open: dict[str, Aggregate] = field(default_factory=dict)
    _shards: list[tuple[int, int, str]] | None = None  # open shards: (first hash, last hash, id)

    def put(self, data: bytes, partition_key: str) -> None:
        size = len(data) + len(partition_key.encode())
        if size > MAX_RECORD_BYTES:
            raise ValueError(f"record of {size} bytes is over Kinesis' 1 MiB limit")
        if not self.aggregate:
            self._enqueue({"Data": data, "PartitionKey": partition_key}, 1, None)
            return
        shard = self._shard_of(partition_key)
        packed = self._open.get(shard)
        if packed is not None and packed.size + packed.cost(data, partition_key) > MAX_AGGREGATE_BYTES:
            self._close(shard)
            packed = None
        if packed is None:
            packed = Aggregate()
            if packed.size + packed.cost(data, partition_key) > MAX_AGGREGATE_BYTES:
                self._enqueue({"Data": data, "PartitionKey": partition_key}, 1, None)  # too big to pack
                return
            self._open[shard] = packed
        packed.add(data, partition_key)

    def flush(self) -> None:
        for shard in list(self._open):
            self._close(shard)
        batch, self._batch, self._bytes = self._batch, [], 0
        delay = 0.05
        for attempt in range(1, self.max_attempts + 1):
            if not batch:
                return
            response = self.client.put_records(StreamARN=self.stream_arn, Records=[entry for entry, _, _ in batch])
            self.resent_calls += response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
            failed = []
            for sent, result in zip(batch, response["Records"], strict=True):
                if "ErrorCode" in result:
                    failed.append(sent)
                    continue
                self.sent += sent[1]
                if sent[2] is not None and result.get("ShardId") != sent[2]:
                    self._shards = None  # resharded: read the shard map again
            if failed and attempt < self.max_attempts:
                self.retried += len(failed)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
            batch = failed
        if batch:
            raise RuntimeError(f"{len(batch)} records still rejected by Kinesis after {self.max_attempts} attempts")

    def _enqueue(self, entry: dict[str, Any], records: int, shard: str | None) -> None:
        size = len(entry["Data"]) + len(entry["PartitionKey"].encode())
        if len(self._batch) == MAX_RECORDS or self._bytes + size > MAX_BYTES:
            self.flush()
        self._batch.append((entry, records, shard))
        self._bytes += size

    def _close(self, shard: str) -> None:
        packed = self._open.pop(shard)
        self._enqueue(packed.entry(), len(packed.records), shard)

    def _shard_of(self, partition_key: str) -> str:
        if self._shards is None:
            self._shards = self._open_shards()
        key = hash_key(partition_key)
        for first, last, shard_id in self._shards:
            if first <= key <= last:
                return shard_id
        raise RuntimeError(f"no open shard of {self.stream_arn} covers hash key {key}")

    def _open_shards(self) -> list[tuple[int, int, str]]:
        shards: list[tuple[int, int, str]] = []
        request: dict[str, Any] = {"StreamARN": self.stream_arn}
        while True:
            response = self.client.list_shards(**request)
            shards += [(int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"]),
                        s["ShardId"]) for s in response["Shards"]
                       if "EndingSequenceNumber" not in s["SequenceNumberRange"]]
            if not response.get("NextToken"):
                return shards
            request = {"NextToken": response["NextToken"]}


def partition_key(line: str) -> str:
    """The subscriber id (so one subscriber's records stay in order on one shard); for a
    record that has none, a hash of its text."""
    try:
        key = orjson.loads(line)["callingParty"]["subscriberId"]
        if isinstance(key, str) and 0 < len(key) <= 256:
            return key
    except (orjson.JSONDecodeError, KeyError, TypeError):
        pass
    return hashlib.sha1(line.encode("utf-8")).hexdigest()


class Progress(Protocol):
    def update(self, count: int, final: bool = False) -> None: ...


def put_stream(lines: Iterable[str], client: object, stream_arn: str, progress: Progress | None = None,
               aggregate: bool = False) -> int:
    """Puts JSON lines on a stream, each keyed by its subscriber; the number put."""
    writer = KinesisWriter(client, stream_arn, aggregate=aggregate)
    count = 0
    for count, line in enumerate(lines, 1):
        writer.put(line.encode("utf-8"), partition_key(line))
        if progress:
            progress.update(count)
    writer.flush()
    if progress:
        progress.update(count, final=True)
    return count
