"""A replay on a multi-process Flink cluster, from S3 to S3, equals the local replay.

The cluster is a JobManager and two TaskManagers started from the installed Flink's own bin/
scripts (local/flink_cluster.py); S3 is moto. The replay is submitted as an operator would,
`python -m jobs.cdr_pipeline replay --input s3://… --output s3://… --cluster HOST:PORT`, and
reads both kinds of input (JSON Lines and the archive's Parquet) straight from the bucket.
"""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pa_fs
import pyarrow.parquet as pq
import pytest

from jobs.cdr_pipeline import run_replay
from jobs.replay_io import Location, dataset
from local.flink_cluster import FlinkCluster
from local.local_aws import DUMMY_CREDENTIALS, PROJECT_ROOT, LocalAws
from synthetic.fraud_scenarios import ScenarioSpec, build
from synthetic.traffic import to_json

PREFIX = "replay-on-cluster"
# Every result of a replay with --archive and --fraud.
TABLES = ("usage_hourly", "billing_monthly", "rated_calls", "rating_errors", "logical_calls", "dead_letters",
          "metrics_minutely", "pipeline_minutely", "route_quality_minutely", "route_causes_minutely",
          "route_quality_hourly", "route_causes_hourly", "fraud_alerts", "fraud_blocks", "fraud_tagged_calls",
          "cdr_archive")
# Processing time, not a figure of the replayed records: it differs between any two runs.
WALL_CLOCK = {"pipeline_minutely": ("minute_start", "expires_at"), "dead_letters": ("ingest_time",),
              "cdr_archive": ("ingest_time",)}


@pytest.fixture(scope="module")
def replays(tmp_path_factory: pytest.TempPathFactory, local_aws: LocalAws) -> tuple[Location, Location]:
    """The same input replayed twice: from local files in the minicluster, and from S3 to S3
    on the cluster. Half the records are in a JSON Lines file, half (with bad ones) in an
    archive-like Parquet file of raw_record text."""
    root = tmp_path_factory.mktemp("cluster-replay")
    records, _ = build(ScenarioSpec(seed=5, subscribers=150, calls_per_day=500, history_days=1, per_rule=1))
    lines = [to_json(record) for record in records]
    lines[10:10] = ["{not json", "", '{"recordId": "r-1"}']
    half = len(lines) // 2
    (root / "in" / "dt=2026-11-03").mkdir(parents=True)
    (root / "in" / "cdrs.jsonl").write_text("".join(line + "\n" for line in lines[:half]), encoding="utf-8")
    pq.write_table(pa.table({"raw_record": lines[half:]}), root / "in" / "dt=2026-11-03" / "part-0a1b-0-0")
    bucket = local_aws.resources.bucket
    for file in (root / "in").rglob("*"):
        if file.is_file():
            local_aws.s3.upload_file(str(file), bucket, f"{PREFIX}/in/{file.relative_to(root / 'in')}")

    run_replay(root / "in", root / "local", None, archive=True, fraud=True)

    cluster = FlinkCluster.start(root / "cluster", taskmanagers=2, slots=1, settings={
        "s3.endpoint": local_aws.moto_endpoint, "s3.path.style.access": "true",
        "cluster.evenly-spread-out-slots": "true",
        # The replay's batch plan runs many exchanges at once in a slot: Flink's default 10 % of a
        # small TaskManager (128 MB of network buffers) is too little for it.
        "taskmanager.memory.network.min": "384m", "taskmanager.memory.network.max": "384m"})
    try:
        submitted = subprocess.run(
            [sys.executable, "-m", "jobs.cdr_pipeline", "replay", "--input", f"s3://{bucket}/{PREFIX}/in",
             "--output", f"s3://{bucket}/{PREFIX}/out", "--archive", "--fraud",
             "--cluster", f"127.0.0.1:{cluster.rest_port}", "--set", f"s3.endpoint={local_aws.moto_endpoint}",
             "--set", "s3.path.style.access=true"],
            cwd=PROJECT_ROOT, env={**os.environ, **DUMMY_CREDENTIALS}, capture_output=True, text=True, timeout=900)
        assert submitted.returncode == 0, submitted.stdout[-3000:] + submitted.stderr[-3000:]
        jobs = cluster.rest("/jobs/overview")["jobs"]
        assert [job["state"] for job in jobs] == ["FINISHED"], "the replay ran on the cluster, once"
        taskmanagers = cluster.rest("/taskmanagers")["taskmanagers"]
    finally:
        cluster.stop()
    assert len(taskmanagers) == 2
    s3 = pa_fs.S3FileSystem(endpoint_override=local_aws.moto_endpoint.split("://")[1], scheme="http",
                            region="us-east-1", access_key=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            secret_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    return Location.of(root / "local"), Location(f"s3://{bucket}/{PREFIX}/out", s3, f"{bucket}/{PREFIX}/out")


def _rows(location: Location, table: str) -> list[tuple[Any, ...]]:
    data = dataset(location.child(table)).to_table()
    data = data.drop_columns([name for name in WALL_CLOCK.get(table, ()) if name in data.column_names])
    names = sorted(data.column_names)
    if table == "pipeline_minutely":  # a run's records fall in the wall-clock minutes it ran: their sums agree
        return [tuple(repr(pc.sum(data[name]).as_py() if name != "max_lag_ms" else pc.max(data[name]).as_py())
                      for name in names)]
    return sorted(tuple(repr(_comparable(name, row[name])) for name in names) for row in data.to_pylist())


def _comparable(column: str, value: Any) -> Any:
    """A record's file as a path under the input folder (S3 or local: the same file); a DOUBLE
    (route quality's averages and ratios, never money) to 12 digits: a parallel sum's order,
    which differs between any two runs, moves its last bit."""
    if column == "source_partition" and value:
        return value.split("/in/", 1)[1]
    return float(f"{value:.12g}") if isinstance(value, float) else value


@pytest.mark.parametrize("table", TABLES)
def test_every_table_of_the_cluster_replay_equals_the_local_replay(replays: tuple[Location, Location],
                                                                   table: str) -> None:
    local, on_cluster = replays
    assert _rows(on_cluster, table) == _rows(local, table)


def test_the_replays_are_not_empty(replays: tuple[Location, Location]) -> None:
    """Equal tables prove something only if they hold rows: each result kind is there."""
    local, _ = replays
    for table in TABLES:
        if table not in ("rating_errors", "fraud_blocks"):
            assert dataset(local.child(table)).count_rows() > 0, table
    assert dataset(local.child("dead_letters")).count_rows() == 3
    totals = dataset(local.child("billing_monthly")).to_table(columns=["total"]).column("total").to_pylist()
    assert all(isinstance(total, Decimal) for total in totals)
