"""Fault injection at length: the streaming job under each fault the guarantees name, a row of
figures per fault.

    python -m bench.faults [--only NAME,...] [--rate 500] [--seconds 120] [--outage-minutes 5]
                           [--s3-outage-minutes 2] [--malformed-minutes 10] [--soak-minutes 30]
                           [--soak-fetch-interval-ms 1000] [--soak-subscribers 100000]

Every scenario: fresh emulators behind the fault proxies (toxiproxy + the AWS error injector,
local/fault_proxy.py), generated CDRs put at --rate as KPL aggregates by a producer that also
puts a malformed "probe" record every second, the job (`stream --checkpoints DIR`, checkpoints
every 10 s) running unbounded while the fault happens. Then the job is killed and started again
bounded from its last checkpoint (`--restore latest`), which reads the rest and closes every
window, and the results are compared with the independent computation:

- lost / doubled: record ids of the valid CDRs against the S3 archive (exactly once each);
- bills: the monthly bills in DynamoDB against ops.reconcile's re-rating (differences);
- dead letters: every probe and malformed record in the DynamoDB dead-letter table;
- restarts: Flink's own failovers during the unbounded run (job log / cluster REST);
- recover: from the fault's end until the first probe put after it is a dead letter in
  DynamoDB (the whole path: Kinesis, the job, the sink);
- out of order: probes (on 8 partition keys) that left the source before an earlier probe of
  their key, from the dead letters' ingest times (`out_of_order`); per-key order under resharding
  is also asserted record by record by the suite (tests/integration/test_kinesis_source.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobs.cdr_pipeline import latest_checkpoint
from jobs.config import load_replay
from local.fault_proxy import FaultProxies
from local.flink_cluster import FlinkCluster
from local.local_aws import PROJECT_ROOT, LocalAws, Resources, free_port
from ops.reconcile import compare, dynamodb_bills, expected_bills
from stream_io.kinesis_writer import KinesisWriter, partition_key
from synthetic.traffic import TrafficSpec, generate, to_json

HASH_SPACE = 2**128


@dataclass
class Outcome:
    fault: str
    records_in: int = 0
    valid_in: int = 0
    archived: int = 0
    lost: int = 0
    doubled: int = 0
    out_of_order: int = 0
    bills_off: int = 0
    dead_letters: str = ""
    restarts: int = 0
    job_failed: bool = False
    recover_s: float | None = None
    notes: list[str] = field(default_factory=list)

    def row(self) -> str:
        recover = "–" if self.recover_s is None else f"{self.recover_s:.1f}"
        return (f"| {self.fault} | {self.records_in:,} | {self.archived:,} of {self.valid_in:,} | {self.lost} | "
                f"{self.doubled} | {self.out_of_order} | {self.bills_off} | {self.dead_letters} | {self.restarts} | "
                f"{'yes' if self.job_failed else 'no'} | {recover} | {'; '.join(self.notes)} |")


HEADER = ("| fault | records in | archived (of valid) | lost | doubled | out of order | bills off | dead letters |"
          " restarts | job failed | recover s | notes |\n|---|---|---|---|---|---|---|---|---|---|---|---|")
# Probes go on a few partition keys, a probe number each, so per-key order at the source's
# output can be judged from the dead letters (`out_of_order`, below).
PROBE_KEYS = 8


class Scenario:
    """Emulators behind fault proxies, a producer, the job, and the final comparison."""

    def __init__(self, name: str, workdir: Path, rate: float, seconds: float, bad_share: float = 0.0,
                 position: str = "TRIM_HORIZON") -> None:
        self.name, self.rate, self.seconds, self.bad_share = name, rate, seconds, bad_share
        self.position = position
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30]
        self.workdir = workdir / slug
        self.workdir.mkdir(parents=True)
        self.aws = LocalAws.start(Resources(stream=f"cdr-{slug}", bucket=f"cdr-{slug}-archive"))
        self.faults = FaultProxies.start({"kinesis": self.aws.kinesis_endpoint, "dynamodb": self.aws.dynamodb_endpoint,
                                          "s3": self.aws.moto_endpoint})
        self.checkpoints = self.workdir / "checkpoints"
        self.log = self.workdir / "job.log"
        self.lines: list[str] = []
        self.bad: list[str] = []
        self.probes: dict[int, float] = {}  # probe number -> put time (monotonic)
        self.job: subprocess.Popen[bytes] | None = None
        self.resent_calls = 0  # the producer's PutRecords calls boto3 sent twice
        self.starts = 0
        self.settings: list[str] = []  # --set options of every run of the job, the restore's too
        self.source: dict[str, str] = {}  # CdrSource properties of every run of the job
        self.subscribers = 2_000  # the producer's subscriber base
        self.watch = JobWatch(free_port())
        self.outcome = Outcome(name)

    def properties(self, bounded: bool) -> Path:
        groups = self.aws.application_properties(bounded=bounded)
        for group in groups:
            values = group["PropertyMap"]
            if group["PropertyGroupId"] == "CdrSource":
                values["aws.endpoint"] = self.faults.endpoint("kinesis")
                values["init.position"] = self.position
                values.update(self.source)
            if group["PropertyGroupId"] == "CdrSinks":
                values["dynamodb.endpoint"] = self.faults.endpoint("dynamodb")
                values["s3.endpoint"] = f"http://127.0.0.1:{self.faults.listeners['s3']}"  # the network layer only
        path = self.workdir / ("bounded.json" if bounded else "live.json")
        path.write_text(json.dumps(groups))
        return path

    def flink_env(self) -> dict[str, str]:
        """The job's environment: its Flink log in a folder of its own per start (PyFlink would
        write every run's to one file in the installed package, each start over the last)."""
        self.starts += 1
        return {**os.environ, "FLINK_LOG_DIR": str(self.workdir / f"flink-log-{self.starts}")}

    def start_job(self, *extra: str) -> None:
        self.job = subprocess.Popen(
            [sys.executable, "-m", "jobs.cdr_pipeline", "stream", "--properties", str(self.properties(False)),
             "--checkpoints", str(self.checkpoints), "--set", f"rest.port={self.watch.port}", *self.settings,
             *extra],
            cwd=PROJECT_ROOT, stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
            env=self.flink_env())

    def log_count(self, pattern: str) -> int:
        """Lines of the job's Flink logs (every local start, or the cluster's) matching `pattern`."""
        found = re.compile(pattern)
        logs = [*self.workdir.glob("flink-log-*/*.log"), *self.workdir.glob("cluster/**/log/*.log")]
        return sum(1 for path in logs
                   for line in path.read_text(errors="replace").splitlines() if found.search(line))

    def produce(self, during: Callable[[float], None] | None = None) -> None:
        """Puts --rate CDRs/s for --seconds (a share of them malformed), a probe every second;
        calls during(elapsed) once a second (faults are started and ended from there)."""
        spec = TrafficSpec(seed=15, calls=max(1, int(self.rate * self.seconds / 1.6)), subscribers=self.subscribers,
                           hours=4)
        traffic = [to_json(record) for record in generate(spec)]
        per_second = max(1, int(self.rate))
        writer = KinesisWriter(self.aws.kinesis, self.aws.resources.stream_arn, aggregate=True)
        started = time.monotonic()
        second = 0
        position = 0
        while position < len(traffic) or second < self.seconds:
            batch = traffic[position:position + per_second]
            position += len(batch)
            for index, line in enumerate(batch):
                if self.bad_share and (position + index) % round(1 / self.bad_share) == 0:
                    line = line[: len(line) // 2]  # cut short: NOT_JSON
                    self.bad.append(line)
                else:
                    self.lines.append(line)
                writer.put(line.encode(), partition_key(line))
            probe = json.dumps({"probe": second})
            writer.put(probe.encode(), f"probe-{second % PROBE_KEYS}")
            writer.flush()
            self.probes[second] = time.monotonic()
            if during is not None:
                during(time.monotonic() - started)
            if second % 10 == 0:
                try:
                    self.watch.sample((time.monotonic() - started) / 60)
                except OSError:
                    pass  # the job is down (a fault of this scenario): no sample
            second += 1
            time.sleep(max(0.0, started + second - time.monotonic()))
        self.resent_calls = writer.resent_calls

    def probe_seen(self, after: float, timeout_s: float = 900) -> float | None:
        """Seconds from `after` until the first probe put at or after it is a dead letter."""
        candidates = [n for n, at in self.probes.items() if at >= after]
        if not candidates:
            return None
        wanted = json.dumps({"probe": min(candidates)})
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            items = self.aws.scan(self.aws.resources.dead_letters_table)
            if any(item.get("raw_record") == wanted for item in items):
                return time.monotonic() - after
            time.sleep(0.5)
        return None

    def finish(self) -> Outcome:
        """Kills the unbounded job, restores it bounded from its last checkpoint, compares."""
        if self.job is not None:
            self.outcome.job_failed = self.job.poll() is not None
            if not self.outcome.job_failed:
                self.outcome.restarts += self.watch.restarts()
                os.killpg(self.job.pid, signal.SIGKILL)
            self.job.wait()
        self.outcome.notes.append(self.watch.summary())
        if latest_checkpoint(self.checkpoints) is None:
            self.outcome.notes.append("no checkpoint")
        restore = subprocess.run(
            [sys.executable, "-m", "jobs.cdr_pipeline", "stream", "--properties", str(self.properties(True)),
             "--checkpoints", str(self.checkpoints), "--restore", "latest", *self.settings],
            cwd=PROJECT_ROOT, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            timeout=max(1800.0, 2 * self.seconds), env=self.flink_env())  # a soak's backlog, if it fell behind
        if restore.returncode != 0:
            self.outcome.notes.append("bounded restore failed")
        return self.compare()

    def compare(self) -> Outcome:
        valid_ids = {json.loads(line)["recordId"] for line in self.lines}
        archived = self.aws.s3_dataset(self.aws.resources.archive_prefix).to_table(columns=["record_id"])
        ids = archived.column("record_id").to_pylist()
        billing = load_replay(self.properties(True)).billing
        bills = compare(expected_bills(self.lines, billing).bills,
                        dynamodb_bills(self.aws.dynamodb, self.aws.resources.billing_monthly_table))
        dead = self.aws.scan(self.aws.resources.dead_letters_table)
        raw = [item.get("raw_record", "") for item in dead]
        # Dead letters are keyed by stream position, and every record put has its own: a bad
        # line the generator repeats (a producer's retry of the same CDR, cut short) is two
        # dead letters, a record boto3 sent twice too. So items are counted against puts.
        bad = set(self.bad)
        items = sum(1 for text in raw if text.startswith('{"probe"') or text in bad)
        missing = len(bad - set(raw)) + len({json.dumps({"probe": n}) for n in self.probes} - set(raw))
        expired = self.log_count(r"Iterator of shard \S+ expired")
        if expired:
            self.outcome.notes.append(f"shard iterators expired and re-acquired: {expired}")
        if missing or self.resent_calls:
            self.outcome.notes.append(f"bad records or probes with no dead letter: {missing}; "
                                      f"producer calls boto3 sent twice: {self.resent_calls}")
        if bills:  # what a look into it needs, kept with --keep (the workdir is copied)
            for table in ("billing_monthly_table", "logical_calls_table", "usage_hourly_table"):
                (self.workdir / f"{table}.json").write_text(json.dumps(
                    self.aws.scan(getattr(self.aws.resources, table)), default=str))
            (self.workdir / "lines.jsonl").write_text("".join(line + "\n" for line in self.lines))
            self.outcome.notes.append(f"bill figures differing ({len({d.key for d in bills})} bills), e.g. "
                                      + "; ".join(f"{d.key} {d.figure}: want {d.expected}, got {d.actual}"
                                                  for d in bills[:3]))
        o = self.outcome
        o.records_in = len(self.lines) + len(self.bad) + len(self.probes)
        o.valid_in, o.archived = len(valid_ids), len(ids)
        o.lost, o.doubled, o.bills_off = len(valid_ids - set(ids)), len(ids) - len(set(ids)), len(bills)
        o.out_of_order = out_of_order(dead)
        o.dead_letters = f"{items:,} of {len(self.probes) + len(self.bad):,}"
        return o

    def close(self) -> None:
        if self.job is not None and self.job.poll() is None:
            os.killpg(self.job.pid, signal.SIGKILL)
        self.faults.stop()
        self.aws.stop()


def out_of_order(dead_letters: list[dict[str, Any]]) -> int:
    """Probes that left the source before an earlier probe of their partition key: a dead
    letter's ingest_time is when the record left the source (processing time, taken in the
    source's own operator chain), so per key it must not fall as the probe number rises. A
    probe read again after a restore is written again with its new time, as are the later
    probes of its key read after it. Ties (the same millisecond) count as in order. A probe put
    twice (a PutRecords boto3 sent again) is at two stream positions: its first departure counts."""
    times: dict[int, Any] = {}
    for item in dead_letters:
        text = item.get("raw_record", "")
        if text.startswith('{"probe"') and item.get("ingest_time") is not None:
            number = json.loads(text)["probe"]
            times[number] = min(times.get(number, item["ingest_time"]), item["ingest_time"])
    late = 0
    for key in range(PROBE_KEYS):
        newest = None
        for number in sorted(n for n in times if n % PROBE_KEYS == key):
            if newest is not None and times[number] < newest:
                late += 1
            else:
                newest = times[number]
    return late


def _rest(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.loads(response.read())


class JobWatch:
    """The running job seen through Flink's REST API: restarts and checkpoints over time."""

    def __init__(self, port: int) -> None:
        self.port = port
        # (minute, checkpoints, duration ms, state size B, bytes the checkpoint wrote, the source's
        # largest millisBehindLatest over its shards and its share of time backpressured, -1 if unknown)
        self.samples: list[tuple[float, int, int, int, int, int, float]] = []

    def job_id(self) -> str | None:
        try:
            jobs = [j for j in _rest(self.port, "/jobs/overview")["jobs"] if j["state"] in ("RUNNING", "RESTARTING")]
        except OSError:
            return None
        return jobs[0]["jid"] if jobs else None

    def restarts(self) -> int:
        job = self.job_id()
        return len(_rest(self.port, f"/jobs/{job}/exceptions")["exceptionHistory"]["entries"]) if job else 0

    def sample(self, minute: float) -> None:
        job = self.job_id()
        if job is None:
            return
        latest = _rest(self.port, f"/jobs/{job}/checkpoints").get("latest", {}).get("completed")
        counts = _rest(self.port, f"/jobs/{job}/checkpoints")["counts"]
        if latest:
            self.samples.append((minute, counts["completed"], latest["end_to_end_duration"], latest["state_size"],
                                 latest.get("checkpointed_size", latest["state_size"]), *self.source_lag(job)))

    def source_lag(self, job: str) -> tuple[int, float]:
        """Whether the job keeps up: the Kinesis source's largest per-shard millisBehindLatest (the
        gauge the official connector names so; it is the last GetRecords' answer, so it stands still
        while backpressure holds the reader) and the share of time its busiest subtask was
        backpressured (Flink's backPressuredTimeMsPerSecond): near 1, the job is at capacity."""
        vertices = _rest(self.port, f"/jobs/{job}")["vertices"]
        source = next((v["id"] for v in vertices if v["name"].startswith("Source: cdr_raw")), None)
        if source is None:
            return -1, -1.0
        path = f"/jobs/{job}/vertices/{source}/subtasks/metrics"
        names = [m["id"] for m in _rest(self.port, path) if m["id"].endswith(".millisBehindLatest")]
        found = {m["id"]: float(m["max"]) for m in _rest(
            self.port, f"{path}?get={','.join([*names, 'backPressuredTimeMsPerSecond'])}")}
        behind = max((found[name] for name in names if name in found), default=-1.0)
        return int(behind), found.get("backPressuredTimeMsPerSecond", -1000.0) / 1000

    def summary(self) -> str:
        if not self.samples:
            return "no checkpoint seen"
        durations = sorted(sample[2] for sample in self.samples)
        return (f"checkpoints: {self.samples[-1][1]}, duration p50 {durations[len(durations) // 2]} ms, max "
                f"{durations[-1]} ms, state {self.samples[0][3] / 1e3:.0f}→{self.samples[-1][3] / 1e3:.0f} kB")


def _window(scenario: Scenario, start_s: float, end_s: float, enter: Callable[[], Any]) -> Callable[[float], None]:
    """A `during` callback that holds the context manager `enter()` from start_s to end_s."""
    state: dict[str, Any] = {}

    def during(elapsed: float) -> None:
        if elapsed >= start_s and "fault" not in state:
            state["fault"] = enter()
            state["fault"].__enter__()
        if elapsed >= end_s and "fault" in state and "ended" not in state:
            state["fault"].__exit__(None, None, None)
            state["ended"] = time.monotonic()
            scenario.outcome.notes.append(f"fault {end_s - start_s:.0f} s")
    during.state = state  # type: ignore[attr-defined]
    return during


def _run_with_fault(name: str, args: argparse.Namespace, workdir: Path, seconds: float, fault_s: float,
                    enter: Callable[[Scenario], Any], bad_share: float = 0.0) -> Outcome:
    scenario = Scenario(name, workdir, args.rate, seconds, bad_share)
    try:
        scenario.start_job()
        time.sleep(20)  # the job up and reading
        during = _window(scenario, 20, 20 + fault_s, lambda: enter(scenario))
        scenario.produce(during)
        ended = during.state.get("ended")  # type: ignore[attr-defined]
        if ended is not None:
            scenario.outcome.recover_s = scenario.probe_seen(ended)
        time.sleep(15)
        return scenario.finish()
    finally:
        scenario.close()


def latest_restore(args: argparse.Namespace, workdir: Path) -> Outcome:
    """Restored at LATEST from checkpoints taken before any record reached the shards."""
    scenario = Scenario("restore at LATEST, no record before", workdir, args.rate, 30, position="LATEST")
    try:
        scenario.start_job()
        deadline = time.monotonic() + 120
        while (latest := latest_checkpoint(scenario.checkpoints)) is None or int(latest.name.split("-")[1]) < 2:
            assert time.monotonic() < deadline, "no checkpoint"
            time.sleep(1)
        os.killpg(scenario.job.pid, signal.SIGKILL)  # type: ignore[union-attr]
        scenario.job.wait()  # type: ignore[union-attr]
        scenario.job = None
        scenario.produce()
        return scenario.finish()
    finally:
        scenario.close()


def reshard(args: argparse.Namespace, workdir: Path) -> Outcome:
    """A shard split, then two merged, while the job reads at --rate."""
    scenario = Scenario("split and merge shards", workdir, args.rate, args.seconds)
    kinesis, stream = scenario.aws.kinesis, scenario.aws.resources.stream

    def open_shards() -> list[dict[str, Any]]:
        shards = kinesis.list_shards(StreamName=stream)["Shards"]
        return sorted((s for s in shards if "EndingSequenceNumber" not in s["SequenceNumberRange"]),
                      key=lambda s: int(s["HashKeyRange"]["StartingHashKey"]))

    def wait_active() -> None:
        summary = kinesis.describe_stream_summary
        while summary(StreamName=stream)["StreamDescriptionSummary"]["StreamStatus"] != "ACTIVE":
            time.sleep(0.2)

    done: list[str] = []

    def during(elapsed: float) -> None:
        if elapsed >= args.seconds / 3 and not done:
            first = open_shards()[0]
            low, high = (int(first["HashKeyRange"][k]) for k in ("StartingHashKey", "EndingHashKey"))
            kinesis.split_shard(StreamName=stream, ShardToSplit=first["ShardId"],
                                NewStartingHashKey=str((low + high) // 2))
            wait_active()
            done.append("split")
        elif elapsed >= 2 * args.seconds / 3 and done == ["split"]:
            left, right = open_shards()[1:3]
            kinesis.merge_shards(StreamName=stream, ShardToMerge=left["ShardId"], AdjacentShardToMerge=right["ShardId"])
            wait_active()
            done.append("merge")

    try:
        scenario.start_job()
        time.sleep(20)
        scenario.produce(during)
        shards = len(kinesis.list_shards(StreamName=stream)["Shards"])
        scenario.outcome.notes.append(f"{' + '.join(done)}; {shards} shards")
        time.sleep(15)
        return scenario.finish()
    finally:
        scenario.close()


def local_kill(args: argparse.Namespace, workdir: Path) -> Outcome:
    """The job's process SIGKILLed mid-stream, started again from its last checkpoint."""
    scenario = Scenario("local job SIGKILL + restore", workdir, args.rate, args.seconds)
    try:
        scenario.start_job()
        time.sleep(20)
        killed: list[float] = []

        def during(elapsed: float) -> None:
            # Mid-stream, once a checkpoint is complete (a slow start may take longer than half).
            if elapsed >= args.seconds / 2 and not killed and latest_checkpoint(scenario.checkpoints) is not None:
                os.killpg(scenario.job.pid, signal.SIGKILL)  # type: ignore[union-attr]
                scenario.job.wait()  # type: ignore[union-attr]
                scenario.start_job("--restore", "latest")
                killed.append(time.monotonic())

        scenario.produce(during)
        if killed:
            scenario.outcome.recover_s = scenario.probe_seen(killed[0])
        else:
            scenario.outcome.notes.append("no checkpoint completed while the traffic ran: not killed")
        time.sleep(15)
        return scenario.finish()
    finally:
        scenario.close()


def taskmanager_kill(args: argparse.Namespace, workdir: Path) -> Outcome:
    """A TaskManager SIGKILLed on a standalone cluster (JobManager + 2 TaskManagers); Flink
    fails over by itself from the last checkpoint."""
    scenario = Scenario("TaskManager SIGKILL (cluster)", workdir, args.rate, args.seconds)
    cluster = FlinkCluster.start(scenario.workdir / "cluster", taskmanagers=2, slots=2, settings={
        "s3.endpoint": f"http://127.0.0.1:{scenario.faults.listeners['s3']}", "s3.path.style.access": "true",
        # Slots spread over both TaskManagers, so the one killed runs part of the job; a lost
        # TaskManager is noticed after 15 s without a heartbeat (Flink's default: 50 s).
        "taskmanager.load-balance.mode": "SLOTS", "cluster.evenly-spread-out-slots": "true",
        "heartbeat.timeout": "15 s"})
    try:
        address = f"127.0.0.1:{cluster.rest_port}"
        scenario.watch = JobWatch(cluster.rest_port)
        # As on MSF, restart for as long as it takes (flink-conf's 3 attempts are for local runs,
        # which must end with their error).
        scenario.start_job("--cluster", address, "--set", "restart-strategy.fixed-delay.attempts=1000",
                           "--set", "restart-strategy.fixed-delay.delay=2 s")
        time.sleep(30)
        killed: list[float] = []

        def during(elapsed: float) -> None:
            if elapsed >= args.seconds / 2 and not killed:
                scenario.outcome.notes.append(f"killed TaskManager pid {cluster.kill_taskmanager(0)}")
                killed.append(time.monotonic())

        scenario.produce(during)
        scenario.outcome.recover_s = scenario.probe_seen(killed[0])
        time.sleep(15)
        job = scenario.watch.job_id()
        scenario.outcome.restarts = scenario.watch.restarts()
        scenario.outcome.notes.append(scenario.watch.summary())
        urllib_cancel(cluster, str(job))
        scenario.job.wait(60)  # type: ignore[union-attr]
        scenario.job = None
        restore = subprocess.run(
            [sys.executable, "-m", "jobs.cdr_pipeline", "stream", "--properties", str(scenario.properties(True)),
             "--checkpoints", str(scenario.checkpoints), "--restore", "latest", "--cluster", address],
            cwd=PROJECT_ROOT, stdout=scenario.log.open("ab"), stderr=subprocess.STDOUT, timeout=1800)
        if restore.returncode != 0:
            scenario.outcome.notes.append("bounded restore failed")
        return scenario.compare()
    finally:
        cluster.stop()
        scenario.close()


def urllib_cancel(cluster: FlinkCluster, job_id: str) -> None:
    request = urllib.request.Request(f"http://127.0.0.1:{cluster.rest_port}/jobs/{job_id}?mode=cancel", method="PATCH")
    urllib.request.urlopen(request, timeout=10).close()


def soak(args: argparse.Namespace, workdir: Path) -> Outcome:
    """--soak-minutes at --rate with nothing wrong: checkpoint duration and size over time, with
    the state in RocksDB and incremental checkpoints, as MSF runs it (the local default,
    hashmap, copies the whole state at every checkpoint), and the managed memory
    bench.streaming_capacity measured the job's capacity with (512 MB per subtask).

    The traffic spans 4 hours of event time, whatever the minutes: --soak-subscribers sets how
    busy a subscriber is. At 500 CDRs/s for 30 minutes, 100,000 subscribers make about 6 calls
    each in those 4 hours (a business line's day), the busiest (the generator's Pareto activity,
    capped at 30 times the least) about 60: a small PBX trunk. 2,000 make every subscriber a trunk
    of about 280 calls."""
    scenario = Scenario(f"soak {args.soak_minutes:g} min, {args.soak_subscribers:,} subscribers", workdir, args.rate,
                        args.soak_minutes * 60)
    scenario.subscribers = args.soak_subscribers
    try:
        scenario.settings = ["--set", "state.backend.type=rocksdb", "--set", "execution.checkpointing.incremental=true",
                             "--set", "taskmanager.memory.managed.size=1024m"]
        # kinesis-mock finds an iterator's place by scanning the shard from its start, so each
        # GetRecords costs it more as the soak fills the stream (at 500/s it took 0.43 of a core at 8
        # minutes, 0.68 at 28, and the job fell behind): fewer calls after an empty one.
        scenario.source = {"empty-records-fetch-interval": f"{args.soak_fetch_interval_ms} ms"}
        scenario.start_job()
        time.sleep(20)
        scenario.produce()
        every = max(1, len(scenario.watch.samples) // 10)
        samples = scenario.watch.samples
        scenario.outcome.notes.append(
            "over time (min: checkpoint ms, state MB, written MB, source behind s, source backpressured): "
            + ", ".join(f"{m:.0f}: {d}, {size / 1e6:.0f}, {written / 1e6:.1f}, {behind / 1e3:.1f}, {held:.0%}"
                        for m, _, d, size, written, behind, held in samples[::every]))
        time.sleep(15)
        return scenario.finish()
    finally:
        scenario.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated scenario names (default: all)")
    parser.add_argument("--rate", type=float, default=500, help="CDRs/s")
    parser.add_argument("--seconds", type=float, default=120, help="traffic of the short scenarios")
    parser.add_argument("--outage-minutes", type=float, default=5)
    parser.add_argument("--s3-outage-minutes", type=float, default=2)
    parser.add_argument("--malformed-minutes", type=float, default=10)
    parser.add_argument("--soak-minutes", type=float, default=30)
    parser.add_argument("--soak-fetch-interval-ms", type=int, default=1000,
                        help="the soak's CdrSource.empty-records-fetch-interval (the job's default: 250)")
    parser.add_argument("--soak-subscribers", type=int, default=100_000,
                        help="the soak producer's subscribers (the other scenarios': 2,000)")
    parser.add_argument("--keep", type=Path, help="keep each scenario's job log and checkpoints here")
    args = parser.parse_args(argv)
    outage = args.outage_minutes * 60
    scenarios: dict[str, Callable[[argparse.Namespace, Path], Outcome]] = {
        "latest": latest_restore,
        "reshard": reshard,
        "taskmanager_kill": taskmanager_kill,
        "local_kill": local_kill,
        "dynamodb_frozen": lambda a, w: _run_with_fault(f"DynamoDB frozen {a.outage_minutes:g} min", a, w,
                                                        outage + 60, outage, lambda s: s.faults.freeze("dynamodb")),
        "dynamodb_refused": lambda a, w: _run_with_fault(f"DynamoDB refusing {a.outage_minutes:g} min", a, w,
                                                         outage + 60, outage, lambda s: s.faults.down("dynamodb")),
        # Held by backpressure longer than a shard iterator lives (300 s): the reader's iterators
        # expire and must be taken again after the last record read, nothing skipped. At 100
        # CDRs/s: at 500/s, 7 minutes of records nobody reads stalled kinesis-mock (a single
        # Node process holding the stream) past the producer's 3 × 60 s timeouts.
        "backpressure_expiry": lambda a, w: _run_with_fault(
            "backpressure 6 min (DynamoDB frozen)", argparse.Namespace(**{**vars(a), "rate": min(a.rate, 100)}),
            w, 420, 360, lambda s: s.faults.freeze("dynamodb")),
        "dynamodb_throttled": lambda a, w: _run_with_fault(
            "DynamoDB throttling 50 % 2 min", a, w, 180, 120,
            lambda s: s.faults.errors("dynamodb").injecting("ProvisionedThroughputExceededException", 0.5)),
        "s3_down": lambda a, w: _run_with_fault(f"S3 refusing {a.s3_outage_minutes:g} min", a, w,
                                                a.s3_outage_minutes * 60 + 60, a.s3_outage_minutes * 60,
                                                lambda s: s.faults.down("s3")),
        "kinesis_errors": lambda a, w: _run_with_fault(
            "Kinesis throttling 40 % + 5xx 10 % 2 min", a, w, 180, 120, lambda s: _kinesis_errors(s.faults)),
        "malformed": lambda a, w: _run_with_fault(f"10 % malformed {a.malformed_minutes:g} min", a, w,
                                                  a.malformed_minutes * 60, 0, lambda s: _nothing(), bad_share=0.1),
        "soak": soak,
    }
    chosen = args.only.split(",") if args.only else list(scenarios)
    workdir = Path(tempfile.mkdtemp(prefix="cdr-faults-"))
    print(HEADER, flush=True)
    try:
        for name in chosen:
            started = time.monotonic()
            try:
                outcome = scenarios[name](args, workdir)
            except Exception as error:  # one scenario's harness failing must not hide the others' figures
                where = [frame for frame in traceback.extract_tb(error.__traceback__)
                         if frame.filename.startswith(str(PROJECT_ROOT)) and ".venv" not in frame.filename][-3:]
                outcome = Outcome(name, notes=[f"harness error: {error!r} at " + " < ".join(
                    f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in reversed(where))])
            outcome.notes.append(f"{(time.monotonic() - started) / 60:.1f} min")
            print(outcome.row(), flush=True)
    finally:
        if args.keep:
            shutil.copytree(workdir, args.keep, dirs_exist_ok=True, ignore=shutil.ignore_patterns("flink"))
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


class _kinesis_errors:
    """Throttling and 5xx on every Kinesis call, as one fault."""

    def __init__(self, faults: FaultProxies) -> None:
        self.errors = faults.errors("kinesis")

    def __enter__(self) -> None:
        self.errors.inject("ProvisionedThroughputExceededException", 0.4, ("GetRecords",))
        self.errors.inject("LimitExceededException", 0.4, ("GetShardIterator", "ListShards"))
        self.errors.inject("InternalFailure", 0.1)

    def __exit__(self, *exc: object) -> None:
        self.errors.clear()


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


if __name__ == "__main__":
    sys.exit(main())
