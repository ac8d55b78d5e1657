"""Transient faults never fail the job, lose, double or reorder a record: through a real fault
proxy (toxiproxy for the network, an HTTP injector for AWS's own error answers) between the job
and the emulators. The restart strategy is `none`, so any failure would fail the test; the
longer runs (minutes of outage, killed processes, soak) are `python -m bench.faults`."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from jobs.flink_env import create_table_env
from local.fault_proxy import FaultProxies
from local.local_aws import ACCOUNT, REGION, LocalAws

NO_RESTARTS = {"parallelism.default": "1", "restart-strategy.type": "none"}


@pytest.fixture(scope="module")
def faults(local_aws: LocalAws) -> Iterator[FaultProxies]:
    with FaultProxies.start({"kinesis": local_aws.kinesis_endpoint,
                             "dynamodb": local_aws.dynamodb_endpoint}) as proxies:
        yield proxies


def _after(delay_s: float, action: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(delay_s), action()), daemon=True)
    thread.start()
    return thread


def test_the_dynamodb_sink_rides_out_throttling_5xx_refused_and_frozen_connections(
        local_aws: LocalAws, faults: FaultProxies) -> None:
    table = "fault_upserts"
    local_aws.dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                                    AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                                    KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
    local_aws.dynamodb.get_waiter("table_exists").wait(TableName=table)
    t_env = create_table_env(managed=False, overrides=NO_RESTARTS)
    # 4,000 upserts of 200 keys at 400/s, each key's versions in order; row 1234 has an empty
    # key (refused), rows with i % 997 = 3 a NaN (the column is left out).
    t_env.execute_sql("""CREATE TEMPORARY TABLE versions (i BIGINT) WITH ('connector' = 'datagen',
        'rows-per-second' = '400', 'fields.i.kind' = 'sequence', 'fields.i.start' = '0', 'fields.i.end' = '3999')""")
    t_env.execute_sql(f"""CREATE TEMPORARY TABLE upserts (k STRING, version BIGINT, ratio DOUBLE,
        PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'dynamodb', 'table-name' = '{table}',
        'aws.region' = '{REGION}', 'aws.endpoint' = '{faults.endpoint("dynamodb")}',
        'aws.http-client.read-timeout' = '2000', 'sink.batch.max-size' = '10',
        'sink.requests.max-inflight' = '4', 'sink.flush-buffer.timeout' = '100')""")
    errors = faults.errors("dynamodb")
    errors.inject("ProvisionedThroughputExceededException", 0.3)
    errors.inject("InternalFailure", 0.1)
    outages: list[str] = []

    def down() -> None:
        with faults.down("dynamodb"):
            outages.append("down")
            time.sleep(3)

    def freeze() -> None:
        with faults.freeze("dynamodb"):
            outages.append("frozen")
            time.sleep(3)

    try:
        result = t_env.execute_sql("""INSERT INTO upserts SELECT
            CASE WHEN i = 1234 THEN '' ELSE CONCAT('k-', CAST(MOD(i, 200) AS STRING)) END, i,
            CASE WHEN MOD(i, 997) = 3 THEN CAST('NaN' AS DOUBLE) ELSE CAST(i AS DOUBLE) / 4 END FROM versions""")
        threads = [_after(4, down), _after(8, freeze)]
        result.wait()  # raises if the job failed (no restarts allowed)
        for thread in threads:
            thread.join()
    finally:
        errors.clear()
    assert outages == ["down", "frozen"]
    assert errors.injected["ProvisionedThroughputExceededException"] > 0 and errors.injected["InternalFailure"] > 0
    items = {item["k"]: item for item in local_aws.scan(table)}
    # The last version of key j is row 3800 + j: any reordering or loss would leave an older one.
    assert sorted(items) == sorted(f"k-{j}" for j in range(200))
    assert all(int(items[f"k-{j}"]["version"]) == 3800 + j for j in range(200))
    assert "ratio" not in items["k-191"]  # row 3991 = 4 * 997 + 3: NaN, left out, the item written
    assert all(float(items[f"k-{j}"]["ratio"]) == (3800 + j) / 4 for j in range(200) if j != 191)


def test_the_dynamodb_sink_fails_at_once_naming_a_table_that_does_not_exist(faults: FaultProxies) -> None:
    t_env = create_table_env(managed=False, overrides=NO_RESTARTS)
    t_env.execute_sql(f"""CREATE TEMPORARY TABLE nowhere (k STRING, PRIMARY KEY (k) NOT ENFORCED)
        WITH ('connector' = 'dynamodb', 'table-name' = 'no_such_table', 'aws.region' = '{REGION}',
        'aws.endpoint' = '{faults.endpoint("dynamodb")}')""")
    started = time.monotonic()
    with pytest.raises(Exception) as failure:
        t_env.execute_sql("INSERT INTO nowhere VALUES ('a'), ('b')").wait()
    assert time.monotonic() - started < 60
    message = str(failure.value)
    assert "DynamoDB table no_such_table failed" in message and "ResourceNotFoundException" in message


def test_the_kinesis_source_rides_out_throttling_5xx_expired_iterators_and_an_outage(
        local_aws: LocalAws, faults: FaultProxies) -> None:
    stream = "faulty"
    kinesis = local_aws.kinesis
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0.2})
    counters: dict[str, int] = defaultdict(int)
    for start in range(0, 3000, 250):
        entries = []
        for i in range(start, start + 250):
            key = f"key-{i % 30}"
            entries.append({"Data": json.dumps({"k": key, "n": counters[key]}).encode(), "PartitionKey": key})
            counters[key] += 1
        assert kinesis.put_records(StreamName=stream, Records=entries)["FailedRecordCount"] == 0
    t_env = create_table_env(managed=False, overrides=NO_RESTARTS)
    t_env.execute_sql(f"""CREATE TEMPORARY TABLE faulty (line STRING) WITH ('connector' = 'kinesis',
        'stream.arn' = 'arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}', 'aws.region' = '{REGION}',
        'aws.endpoint' = '{faults.endpoint("kinesis")}', 'source.init.position' = 'TRIM_HORIZON',
        'source.bounded' = 'true', 'source.shard.discovery.interval' = '1 s',
        'source.shard.get-records.max-record-count' = '50', 'format' = 'raw')""")
    errors = faults.errors("kinesis")
    errors.inject("ProvisionedThroughputExceededException", 0.3, ("GetRecords",))
    errors.inject("ExpiredIteratorException", 0.1, ("GetRecords",))
    errors.inject("InternalFailure", 0.1, ("GetRecords", "ListShards"))
    errors.inject("LimitExceededException", 0.3, ("GetShardIterator", "ListShards"))
    rows: list[dict[str, Any]] = []
    try:
        with faults.down("kinesis"):  # unreachable when the job starts: shard discovery retries
            result = t_env.execute_sql("SELECT line FROM faulty")
            time.sleep(3)
        with result.collect() as results:
            rows = [json.loads(row[0]) for row in results]
    finally:
        errors.clear()
    assert {code for code, n in errors.injected.items() if n > 0} == {
        "ProvisionedThroughputExceededException", "ExpiredIteratorException", "InternalFailure",
        "LimitExceededException"}
    expected = sorted((k, n) for k, count in counters.items() for n in range(count))
    assert sorted((r["k"], r["n"]) for r in rows) == expected
    by_key: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        by_key[r["k"]].append(r["n"])
    assert all(ns == sorted(ns) for ns in by_key.values())
