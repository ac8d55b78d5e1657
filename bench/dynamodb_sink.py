"""DynamoDB sink throughput: items/s one subtask writes to the local DynamoDB emulator, side by
side for several `sink.requests.max-inflight` values in one run.

    python -m bench.dynamodb_sink [--rows 30000] [--inflight 1,4,8] [--runs 3]

A datagen source of --rows distinct keys (parallelism 1) upserts into a fresh table; each
figure is rows / (job end - first item seen), the median of --runs, so JVM and job start-up are
not counted. To compare with another build of the sink, run it with CDR_CONNECTOR_JAR=that jar
(the option is then ignored by a sink that does not know it: give --inflight 1).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time

from jobs.flink_env import create_table_env
from local.local_aws import REGION, LocalAws, Resources


def _run(aws: LocalAws, rows: int, inflight: int, run: int) -> float:
    table = f"sink_bench_{inflight}_{run}"
    aws.dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
    aws.dynamodb.get_waiter("table_exists").wait(TableName=table)
    t_env = create_table_env(managed=False, overrides={"parallelism.default": "1"})
    t_env.execute_sql(f"""CREATE TEMPORARY TABLE gen_{table} (i BIGINT) WITH ('connector' = 'datagen',
        'fields.i.kind' = 'sequence', 'fields.i.start' = '1', 'fields.i.end' = '{rows}')""")
    inflight_option = f", 'sink.requests.max-inflight' = '{inflight}'" if inflight != 1 else ""
    t_env.execute_sql(f"""CREATE TEMPORARY TABLE out_{table} (k STRING, v BIGINT, note STRING,
        PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'dynamodb', 'table-name' = '{table}',
        'aws.region' = '{REGION}', 'aws.endpoint' = '{aws.dynamodb_endpoint}'{inflight_option})""")
    first: list[float] = []

    def watch() -> None:
        while not first:
            if aws.dynamodb.scan(TableName=table, Limit=1)["Items"]:
                first.append(time.monotonic())
            time.sleep(0.05)

    result = t_env.execute_sql(f"""INSERT INTO out_{table} SELECT CONCAT('subscriber-', CAST(i AS STRING)), i,
        'a note of some forty characters, roughly' FROM gen_{table}""")
    # Started once the job is submitted (planning in a second thread's presence trips Calcite);
    # the job's start-up takes longer than that, so the first item is still seen.
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    result.wait()
    done = time.monotonic()
    watcher.join(timeout=5)
    pages = aws.dynamodb.get_paginator("scan").paginate(TableName=table, Select="COUNT")
    scanned = sum(page["Count"] for page in pages)
    assert scanned == rows, f"{scanned} of {rows} items written"
    return rows / (done - first[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dynamodb_sink", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--inflight", default="1,4,8", help="comma-separated sink.requests.max-inflight values")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with LocalAws.start(Resources(stream="sink-bench", bucket="sink-bench")) as aws:
        values = [int(v) for v in args.inflight.split(",")]
        print(f"| max-inflight | items/s (median) | against {values[0]} in flight | runs |\n|---|---|---|---|")
        baseline = None  # the first value's median: each ratio is against it, in the same run
        for inflight in values:
            rates = [_run(aws, args.rows, inflight, run) for run in range(args.runs)]
            median = statistics.median(rates)
            baseline = baseline or median
            each = ", ".join(f"{rate:,.0f}" for rate in rates)
            print(f"| {inflight} | {median:,.0f} | {median / baseline:.2f}× | {each} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
