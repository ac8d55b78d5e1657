"""The Kinesis source keeps the official connector's guarantees on the streams operators run:
shards split and merged while it reads (each record once, per partition key in the order
Kinesis stored it, a child only after its parents), a job restored at LATEST from a
checkpoint taken before any record arrived bills every record put while it was down, and a
shard holds event time back until it is caught up (idle then, never while it has a backlog)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from jobs.cdr_pipeline import latest_checkpoint
from jobs.config import load_replay
from jobs.flink_env import create_table_env
from local.local_aws import ACCOUNT, REGION, LocalAws, Resources
from ops.reconcile import compare, dynamodb_bills, expected_bills
from stream_io.kinesis_writer import KinesisWriter, hash_key, put_stream
from synthetic.traffic import TrafficSpec, generate, to_json
from tests.integration.checkpointed_job import run_checkpointed, stop

HASH_SPACE = 2**128
KEYS = [f"key-{i:02d}" for i in range(24)]


class _Producer:
    """Puts {"k": key, "n": n} records, n counting up per partition key."""

    def __init__(self, kinesis: Any, stream: str) -> None:
        self.kinesis, self.stream = kinesis, stream
        self.next = dict.fromkeys(KEYS, 0)

    def put(self, count: int) -> None:
        for start in range(0, count, 100):
            entries = []
            for i in range(start, min(count, start + 100)):
                key = KEYS[i % len(KEYS)]
                entries.append({"Data": json.dumps({"k": key, "n": self.next[key]}).encode(), "PartitionKey": key})
                self.next[key] += 1
            response = self.kinesis.put_records(StreamName=self.stream, Records=entries)
            assert response.get("FailedRecordCount", 0) == 0


def _wait_active(kinesis: Any, stream: str) -> None:
    deadline = time.monotonic() + 30
    while kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamStatus"] != "ACTIVE":
        assert time.monotonic() < deadline, "stream not ACTIVE after a reshard"
        time.sleep(0.2)


def _open_shards(kinesis: Any, stream: str) -> list[dict[str, Any]]:
    shards = kinesis.list_shards(StreamName=stream)["Shards"]
    return sorted((s for s in shards if "EndingSequenceNumber" not in s["SequenceNumberRange"]),
                  key=lambda s: int(s["HashKeyRange"]["StartingHashKey"]))


def test_split_and_merged_shards_keep_every_record_once_and_per_key_order(local_aws: LocalAws) -> None:
    stream = "resharded"
    kinesis = local_aws.kinesis
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    _wait_active(kinesis, stream)
    producer = _Producer(kinesis, stream)
    # Before the job starts: a split, so parents and children both hold a backlog (a reader
    # that took a child before its parent's end would emit a key's later records first).
    producer.put(480)
    first = _open_shards(kinesis, stream)[0]
    kinesis.split_shard(StreamName=stream, ShardToSplit=first["ShardId"],
                        NewStartingHashKey=str(HASH_SPACE // 8))
    _wait_active(kinesis, stream)
    producer.put(480)

    t_env = create_table_env(managed=False, overrides={"parallelism.default": "1"})
    t_env.execute_sql(f"""CREATE TEMPORARY TABLE resharded (line STRING,
        shard STRING METADATA FROM 'shard-id' VIRTUAL) WITH ('connector' = 'kinesis',
        'stream.arn' = 'arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}', 'aws.region' = '{REGION}',
        'aws.endpoint' = '{local_aws.kinesis_endpoint}', 'source.init.position' = 'TRIM_HORIZON',
        'source.shard.discovery.interval' = '500 ms',
        'source.shard.get-records.max-record-count' = '20', 'format' = 'raw')""")
    rows: list[tuple[str, int, str]] = []
    result = t_env.execute_sql("SELECT line, shard FROM resharded")
    reader_error: list[BaseException] = []

    def read() -> None:
        try:
            with result.collect() as results:
                for row in results:
                    record = json.loads(row[0])
                    rows.append((record["k"], record["n"], row[1]))
        except BaseException as error:  # the job is cancelled at the end: that ends the iterator
            reader_error.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        # While it reads: merge two adjacent shards, put more, split the merged shard, put more.
        deadline = time.monotonic() + 60
        while len(rows) < 100:
            assert time.monotonic() < deadline, f"the job read {len(rows)} records in 60 s"
            time.sleep(0.2)
        left, right = _open_shards(kinesis, stream)[1:3]
        kinesis.merge_shards(StreamName=stream, ShardToMerge=left["ShardId"], AdjacentShardToMerge=right["ShardId"])
        _wait_active(kinesis, stream)
        producer.put(480)
        merged = _open_shards(kinesis, stream)[-1]
        low, high = (int(merged["HashKeyRange"][k]) for k in ("StartingHashKey", "EndingHashKey"))
        kinesis.split_shard(StreamName=stream, ShardToSplit=merged["ShardId"],
                            NewStartingHashKey=str((low + high) // 2))
        _wait_active(kinesis, stream)
        producer.put(480)
        total = sum(producer.next.values())
        deadline = time.monotonic() + 90
        while len(rows) < total:
            assert time.monotonic() < deadline, f"{len(rows)} of {total} records read in 90 s"
            time.sleep(0.2)
        time.sleep(2)  # anything read twice would show up now
    finally:
        result.get_job_client().cancel().result()
        reader.join(timeout=30)
    shards = kinesis.list_shards(StreamName=stream)["Shards"]
    assert len(shards) == 7  # 2, one split (+2), one merge (+1), one split (+2)
    seen = [(key, n) for key, n, _ in rows]
    assert sorted(seen) == sorted((key, n) for key in KEYS for n in range(producer.next[key]))
    by_key: dict[str, list[int]] = defaultdict(list)
    for key, n, _ in rows:
        by_key[key].append(n)
    assert all(ns == sorted(ns) for ns in by_key.values()), "a key's records left the source out of order"
    # Records put after a reshard are only in its children: that they all came proves the children were read.


def test_a_job_restored_at_latest_bills_every_record_put_while_it_was_down(tmp_path: Path) -> None:
    spec = TrafficSpec(seed=15, calls=300, subscribers=40, hours=2)
    lines = [to_json(record) for record in generate(spec)]
    with LocalAws.start(Resources(stream="cdr-latest", bucket="cdr-latest-archive")) as aws:
        live = tmp_path / "live.json"
        live.write_text(aws.write_properties(live, bounded=False).read_text().replace('"TRIM_HORIZON"', '"LATEST"'))
        checkpoints = tmp_path / "checkpoints"
        result = run_checkpointed(live, checkpoints, interval="500 ms")
        # Checkpoints taken (the first ones often before the job's first listing of the shards,
        # which LATEST still means "since this job started" for), and no record has arrived yet;
        # then the job is stopped, and only then are the records put.
        deadline = time.monotonic() + 60
        while (latest := latest_checkpoint(checkpoints)) is None or int(latest.name.split("-")[1]) < 3:
            assert time.monotonic() < deadline, "no checkpoints in 60 s"
            time.sleep(0.5)
        stop(result)
        put_stream(lines, aws.kinesis, aws.resources.stream_arn)
        bounded = tmp_path / "bounded.json"
        bounded.write_text(live.read_text().replace('"bounded": "false"', '"bounded": "true"'))
        run_checkpointed(bounded, checkpoints, "latest", interval="500 ms").wait()
        billing = load_replay(live).billing
        expected = expected_bills(lines, billing).bills
        assert sum(bill["calls"] for bill in expected.values()) > 200  # most of the 300 calls are billable
        assert compare(expected, dynamodb_bills(aws.dynamodb, aws.resources.billing_monthly_table)) == []


def test_a_bounded_read_finishes_under_steady_traffic(local_aws: LocalAws) -> None:
    stream = "steady"
    kinesis = local_aws.kinesis
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    _wait_active(kinesis, stream)
    producer = _Producer(kinesis, stream)
    producer.put(480)
    before = sum(producer.next.values())
    stop = threading.Event()

    def keep_putting() -> None:
        while not stop.is_set():
            producer.put(24)
            time.sleep(0.2)

    putter = threading.Thread(target=keep_putting, daemon=True)
    putter.start()
    try:
        t_env = create_table_env(managed=False, overrides={"parallelism.default": "2"})
        t_env.execute_sql(f"""CREATE TEMPORARY TABLE steady (line STRING) WITH ('connector' = 'kinesis',
            'stream.arn' = 'arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}', 'aws.region' = '{REGION}',
            'aws.endpoint' = '{local_aws.kinesis_endpoint}', 'source.init.position' = 'TRIM_HORIZON',
            'source.bounded' = 'true', 'format' = 'raw')""")
        with t_env.execute_sql("SELECT line FROM steady").collect() as results:
            read = [json.loads(row[0]) for row in results]
    finally:
        stop.set()
        putter.join()
    # Finished although records kept coming; everything put before it started was read, once.
    assert sum(producer.next.values()) > len(read) >= before
    assert len({(r["k"], r["n"]) for r in read}) == len(read)
    assert {(k, n) for k in KEYS for n in range(20)} <= {(r["k"], r["n"]) for r in read}


def test_watermark_alignment_pauses_and_resumes_shards(local_aws: LocalAws) -> None:
    stream = "aligned"
    kinesis = local_aws.kinesis
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    _wait_active(kinesis, stream)
    producer = _Producer(kinesis, stream)
    producer.put(1200)  # event time = n seconds: 50 s per key, keys on both shards
    t_env = create_table_env(managed=False, overrides={"parallelism.default": "1"})
    t_env.execute_sql(f"""CREATE TEMPORARY TABLE aligned (line STRING,
        ts AS TO_TIMESTAMP_LTZ(CAST(JSON_VALUE(line, '$.n') AS BIGINT) * 1000, 3),
        WATERMARK FOR ts AS ts) WITH ('connector' = 'kinesis',
        'stream.arn' = 'arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}', 'aws.region' = '{REGION}',
        'aws.endpoint' = '{local_aws.kinesis_endpoint}', 'source.init.position' = 'TRIM_HORIZON',
        'source.bounded' = 'true', 'source.shard.get-records.max-record-count' = '50',
        'scan.watermark.alignment.group' = 'cdr', 'scan.watermark.alignment.max-drift' = '2 s',
        'scan.watermark.alignment.update-interval' = '100 ms', 'format' = 'raw')""")
    read: list[Any] = []
    # Planned here, in the thread that created the environment (jobs/flink_env.pin_gateway_threads).
    result = t_env.execute_sql("SELECT line FROM aligned")
    reader = threading.Thread(target=lambda: read.extend(row[0] for row in result.collect()), daemon=True)
    reader.start()
    reader.join(timeout=120)
    assert not reader.is_alive(), "a paused shard was never resumed"
    assert len(read) == 1200 and len(set(read)) == 1200


def _windowed_counts_table(t_env: Any, local_aws: LocalAws, stream: str, options: str) -> None:
    """{"k", "n", "t"} records with event time t (ms) and no lateness allowed: a record behind
    the watermark is dropped from its minute's count."""
    t_env.execute_sql(f"""CREATE TEMPORARY TABLE {stream} (line STRING,
        ts AS TO_TIMESTAMP_LTZ(CAST(JSON_VALUE(line, '$.t') AS BIGINT), 3),
        WATERMARK FOR ts AS ts) WITH ('connector' = 'kinesis',
        'stream.arn' = 'arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}', 'aws.region' = '{REGION}',
        'aws.endpoint' = '{local_aws.kinesis_endpoint}', 'source.init.position' = 'TRIM_HORIZON',
        {options} 'format' = 'raw')""")


def _put_timed(kinesis: Any, stream: str, keys: list[str], count: int, step_ms: int) -> None:
    """Record i (of key i mod len(keys)) at event time i * step_ms, KPL-aggregated, so that one
    GetRecords brings a shard's whole backlog."""
    writer = KinesisWriter(kinesis, kinesis.describe_stream_summary(StreamName=stream)
                           ["StreamDescriptionSummary"]["StreamARN"], aggregate=True)
    for i in range(count):
        key = keys[i % len(keys)]
        writer.put(json.dumps({"k": key, "n": i, "t": i * step_ms}).encode(), key)
    writer.flush()


def test_a_shard_waiting_behind_another_shards_backlog_is_not_idle(local_aws: LocalAws) -> None:
    # Both shards' backlogs arrive in one fetch round and are emitted one shard after the
    # other; the second waits far longer than the 100 ms idle timeout. Idle by time alone,
    # its records would all be behind the first shard's watermark, and dropped.
    stream = "backlogged"
    kinesis = local_aws.kinesis
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    _wait_active(kinesis, stream)
    _put_timed(kinesis, stream, KEYS, 12_000, step_ms=100)  # 20 minutes of event time, both shards
    t_env = create_table_env(managed=False, overrides={"parallelism.default": "1"})
    _windowed_counts_table(t_env, local_aws, stream,
                           "'source.bounded' = 'true', 'source.shard.idle-timeout' = '100 ms',")
    counts = t_env.execute_sql(f"""SELECT window_start, COUNT(*) FROM TABLE(
        TUMBLE(TABLE {stream}, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end""")
    with counts.collect() as results:
        per_minute = {row[0]: row[1] for row in results}
    assert len(per_minute) == 20 and set(per_minute.values()) == {600}  # 12,000 / 20, none dropped


def test_a_caught_up_shard_stops_holding_back_event_time(local_aws: LocalAws) -> None:
    stream = "lopsided"
    kinesis = local_aws.kinesis
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    _wait_active(kinesis, stream)
    lower_half = [key for key in KEYS if hash_key(key) < HASH_SPACE // 2]  # the first shard's keys only
    _put_timed(kinesis, stream, lower_half, 600, step_ms=1000)  # 10 minutes of event time
    t_env = create_table_env(managed=False, overrides={"parallelism.default": "1"})
    _windowed_counts_table(t_env, local_aws, stream, "'source.shard.idle-timeout' = '1 s',")
    counts = t_env.execute_sql(f"""SELECT window_start, COUNT(*) FROM TABLE(
        TUMBLE(TABLE {stream}, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end""")
    per_minute: list[int] = []

    def read() -> None:
        try:
            with counts.collect() as results:
                per_minute.extend(row[1] for row in results)
        except BaseException:  # cancelled at the end
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        # The empty shard, once caught up for 1 s, no longer holds the watermark at its start;
        # the first shard's watermark (its newest record) closes the 9 minutes before it.
        deadline = time.monotonic() + 90
        while len(per_minute) < 9 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert per_minute == [60] * 9
    finally:
        counts.get_job_client().cancel().result()
        reader.join(timeout=30)


def test_idleness_by_time_alone_beside_the_shards_own_is_refused_at_planning(local_aws: LocalAws) -> None:
    t_env = create_table_env(managed=False, overrides={"parallelism.default": "1"})
    t_env.get_config().set("table.exec.source.idle-timeout", "30 s")
    _windowed_counts_table(t_env, local_aws, "twice_idle", "'source.shard.idle-timeout' = '30 s',")
    with pytest.raises(Exception, match="'source.shard.idle-timeout'.*'table.exec.source.idle-timeout'"):
        t_env.explain_sql("SELECT * FROM twice_idle")
