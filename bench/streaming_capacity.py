"""Streaming capacity: how many CDRs/s the streaming job sustains with every feature on, what a
CDR costs in CPU, and what that makes on Amazon Managed Service for Apache Flink.

    python -m bench.streaming_capacity [--cdrs 120000] [--subscribers 20000] [--daily-cdrs 5000000]
                                       [--seed 7] [--runs 2] [--state-backend rocksdb|hashmap]
                                       [--managed-mb-per-subtask 512] [--buffer-timeout-ms N]
                                       [--sources kinesis,files] [--job-cores 0]
                                       [--latency-shares 50,80,100 [--latency-seconds 120]]

Each run: fresh emulators; the stream pre-filled with --cdrs generated CDRs as KPL aggregates
(a backlog, as after an outage or at a first start from TRIM_HORIZON); then the job as it runs
in production — fraud rules and their alerts, leg attribution, rating and bills, usage, route
quality, dead letters, Timestream metrics, the S3 archive — reads the backlog bounded and
stops when it is through. With the source `files`, the same CDRs are read from JSON Lines
files instead (`stream --sql-dir` on a copy of sql/ with bench/sql/cdr_raw_files.sql as its
source), still in streaming mode with every sink: the difference is what the Kinesis source
and the emulator serving it cost. The job is at its capacity the whole time (nothing waits
for input), so:

- sustained CDRs/s = CDRs / (the job's end − its readers' first split), both from its Flink log.
  The end is part of it: a bounded read ends with the watermark at its maximum, which fires at
  once every timer the fraud rules hold, days ahead, to expire each key's state. A job that
  runs for weeks pays the same per key, spread over the days (timing only the read measured
  5× the rate: docs/benchmarks.md);
- job CPU per 1,000 CDRs = CPU seconds of the job's processes (JVM and Python) over the same
  span, per 1,000 CDRs: also the cores the job needs at 1,000 CDRs/s;
- checkpoints: duration and full and incremental size of the last one (Flink's REST API),
  the state then, per 100,000 subscribers of the traffic;
- the machine's other CPU (the emulators, this process) is reported apart: on MSF it is AWS's.

The backlog is as dense in event time as an operator's day of --daily-cdrs: its CDRs span
--cdrs / --daily-cdrs of a day. The job's per-minute work (windows firing, a metrics write per
minute) scales with the minutes its input spans, not with its CDRs: a sparse backlog (a day's
span for a few thousand CDRs) charges every CDR with that and understates the capacity; a
backlog much shorter than the watermark's lateness holds its STARTs in the fraud rules to its
end (a backlog's STARTs wait for the watermark, jobs/fraud_detection.py).

With --latency-shares, the alert latency at those percentages of the Kinesis capacity (the
median of the runs): bench.fraud_latency's VELOCITY floods through the streaming job at each
share's rate of live traffic, KPL aggregated, for --latency-seconds. A live producer, its
emulators and the job on the same two cores cannot reach the job's capacity (at 85 % of it the
producer fell behind), so for these the job runs on --job-cores only (the capacity is then
measured so pinned, too) and the producer, the poller and the emulators on the other cores,
as on MSF, where they are not on the job's KPUs.

From the CPU per CDR, the MSF estimate: a KPU is 1 vCPU and 4 GB, the job's parallelism needs
one KPU per subtask, and MSF adds one KPU per application; the sizing keeps the peak at
--target-utilisation of the KPUs and never goes under one. Prices: --kpu-hour-usd (us-east-1
list price) and 50 GB of running storage per KPU at --storage-gb-month-usd.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from bench import fraud_latency
from bench.cores import on_cores, parse_cores, pin_the_rest
from bench.faults import JobWatch
from bench.flink_log import first_split_added
from local.local_aws import PROJECT_ROOT, LocalAws, Resources, free_port
from stream_io.kinesis_writer import KinesisWriter, partition_key
from synthetic.traffic import CDRS_PER_CALL, TrafficSpec, generate, to_json

PARALLELISM = 2  # flink-conf/config.yaml's, which the job runs with here
DAILY_VOLUMES = (500_000, 50_000_000, 1_000_000_000)
SOURCES = ("kinesis", "files")


@dataclass(frozen=True)
class Run:
    cdrs: int
    seconds: float  # from the first split added to the job's end
    job_cpu_s: float  # the job's processes over the same span
    other_cpu_s: float  # everything else on the machine over the same span
    checkpoint_ms: int
    state_bytes: int
    checkpointed_bytes: int

    @property
    def rate(self) -> float:
        return self.cdrs / self.seconds

    @property
    def cpu_per_1000(self) -> float:
        return self.job_cpu_s / self.cdrs * 1000


def _clock_ticks() -> dict[int, tuple[int, float]]:
    """Every process's (parent pid, CPU seconds so far)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    return found


def _machine_cpu_s() -> float:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for i, v in enumerate(fields) if i not in (3, 4))  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds of a process tree (sampled: a process that ends between samples keeps its
    last figure) and of the whole machine."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def sample(self) -> None:
        processes = _clock_ticks()
        tree = {self.root}
        grew = True
        while grew:
            children = {pid for pid, (parent, _) in processes.items() if parent in tree} - tree
            tree |= children
            grew = bool(children)
        for pid in tree & processes.keys():
            self.seen[pid] = max(self.seen.get(pid, 0.0), processes[pid][1])

    def snapshot(self) -> tuple[float, float]:
        """(the tree's CPU seconds, the machine's) now."""
        self.sample()
        return sum(self.seen.values()), _machine_cpu_s()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def files_sql(lines: list[str], workdir: Path) -> Path:
    """A copy of sql/ whose streaming source reads `lines` from files (bench/sql/cdr_raw_files.sql):
    a file per subtask, each subscriber's records in one file in their order, as a shard holds them."""
    folder = workdir / "input"
    folder.mkdir()
    files = [(folder / f"part-{index}.jsonl").open("w", encoding="utf-8") for index in range(PARALLELISM)]
    for line in lines:
        files[zlib.crc32(partition_key(line).encode()) % PARALLELISM].write(line + "\n")
    for file in files:
        file.close()
    sql = workdir / "sql"
    shutil.copytree(PROJECT_ROOT / "sql", sql)
    source = (PROJECT_ROOT / "bench" / "sql" / "cdr_raw_files.sql").read_text(encoding="utf-8")
    (sql / "sources" / "stream" / "cdr_raw.sql").write_text(source.replace("${capacity_input}", folder.as_uri()),
                                                            encoding="utf-8")
    return sql


def measure(args: argparse.Namespace, lines: list[str], workdir: Path, source: str) -> Run:
    resources = Resources(stream="cdr-capacity", bucket="cdr-capacity-archive", timestream_database="cdr_capacity")
    with LocalAws.start(resources) as aws:
        if source == "kinesis":
            writer = KinesisWriter(aws.kinesis, aws.resources.stream_arn, aggregate=True)
            for line in lines:
                writer.put(line.encode(), partition_key(line))
            writer.flush()
        sql_dir = ["--sql-dir", str(files_sql(lines, workdir))] if source == "files" else []
        properties = workdir / "app.json"
        job_settings = {"buffer-timeout.ms": args.buffer_timeout_ms} if args.buffer_timeout_ms else None
        properties.write_text(json.dumps(aws.application_properties(bounded=True, metrics=True, job=job_settings)))
        watch = JobWatch(free_port())
        log_dir = workdir / "flink-log"
        settings = ["--set", f"rest.port={watch.port}", "--set", f"state.backend.type={args.state_backend}",
                    "--set", "execution.checkpointing.incremental=true",
                    "--set", f"taskmanager.memory.managed.size={args.managed_mb_per_subtask * PARALLELISM}m"]
        with (workdir / "job.log").open("wb") as log:
            job = subprocess.Popen(
                [sys.executable, "-m", "jobs.cdr_pipeline", "stream", "--properties", str(properties),
                 "--checkpoints", str(workdir / "checkpoints"), *settings, *sql_dir],
                cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "FLINK_LOG_DIR": str(log_dir)}, preexec_fn=on_cores(args.job_cores))
            meter = CpuMeter(job.pid)
            started = None
            while job.poll() is None:
                if started is None and (first := first_split_added(log_dir)) is not None:
                    started = (first, *meter.snapshot())
                try:
                    watch.sample(0)
                except OSError:
                    pass  # not up yet, or finishing
                time.sleep(1)
            ended = (time.time(), *meter.snapshot())
            meter.stop()
        if job.returncode != 0 or started is None:
            raise RuntimeError(f"the job failed (exit {job.returncode}); its output: {workdir / 'job.log'}")
    job_cpu = ended[1] - started[1]
    last = watch.samples[-1] if watch.samples else (0, 0, 0, 0, 0, -1, -1.0)
    return Run(cdrs=len(lines), seconds=ended[0] - started[0], job_cpu_s=job_cpu,
               other_cpu_s=(ended[2] - started[2]) - job_cpu, checkpoint_ms=last[2], state_bytes=last[3],
               checkpointed_bytes=last[4])


def msf_table(cpu_per_1000: float, args: argparse.Namespace) -> list[str]:
    rows = ["| CDRs/day | mean CDRs/s | peak CDRs/s | KPUs (job + 1) | USD/month | USD per million CDRs |",
            "|---|---|---|---|---|---|"]
    for daily in DAILY_VOLUMES:
        mean = daily / 86_400
        peak = max(mean * args.peak_factor, 50 if daily <= 500_000 else 0)  # the reference: 50/s peaks
        job_kpus = max(1, math.ceil(peak * cpu_per_1000 / 1000 / args.target_utilisation))
        kpus = job_kpus + 1
        monthly = kpus * 730 * args.kpu_hour_usd + job_kpus * 50 * args.storage_gb_month_usd
        rows.append(f"| {daily:,} | {mean:,.0f} | {peak:,.0f} | {kpus} | {monthly:,.0f} | "
                    f"{monthly / (daily * 30.4 / 1e6):.4f} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.streaming_capacity", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cdrs", type=int, default=120_000, help="CDRs in the backlog")
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--daily-cdrs", type=int, default=5_000_000,
                        help="the traffic's density: its CDRs span --cdrs / --daily-cdrs of a day")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sources", default="kinesis,files",
                        help="kinesis: the backlog pre-filled in the stream, read by the job's Kinesis source; files: "
                             "the same CDRs read from JSON Lines files in streaming mode (no Kinesis source, no "
                             "emulator reading): each run measures each, interleaved")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--state-backend", choices=("rocksdb", "hashmap"), default="rocksdb",
                        help="rocksdb (with incremental checkpoints) is what MSF runs")
    parser.add_argument("--managed-mb-per-subtask", type=int, default=512,
                        help="RocksDB's memory per subtask (a KPU has 1 GB of native memory for it and the rest; a "
                             "local run's default, 128 MB in all, makes RocksDB flush its memtables constantly)")
    parser.add_argument("--buffer-timeout-ms", help="the job's CdrJob.buffer-timeout.ms (default: the job's)")
    parser.add_argument("--job-cores", type=parse_cores,
                        help="the job on these cores (e.g. 0), this process and the emulators on the rest")
    parser.add_argument("--latency-shares", help="after the capacity runs, the alert latency at these percentages "
                        "of the Kinesis capacity (e.g. 50,80,100)")
    parser.add_argument("--latency-seconds", type=float, default=120, help="each latency run's live traffic")
    parser.add_argument("--peak-factor", type=float, default=3.0, help="peak rate over the day's mean")
    parser.add_argument("--target-utilisation", type=float, default=0.7, help="share of the KPUs the peak may use")
    parser.add_argument("--kpu-hour-usd", type=float, default=0.11)
    parser.add_argument("--storage-gb-month-usd", type=float, default=0.10)
    args = parser.parse_args(argv)
    shares = [float(share) for share in args.latency_shares.split(",")] if args.latency_shares else []
    if shares and "kinesis" not in args.sources.split(","):
        parser.error("--latency-shares: of the Kinesis capacity (--sources with kinesis)")
    pin_the_rest(args.job_cores)
    spec = TrafficSpec(seed=args.seed, calls=max(1, round(args.cdrs / CDRS_PER_CALL)), subscribers=args.subscribers,
                       hours=24 * args.cdrs / args.daily_cdrs)
    lines = [to_json(record) for record in generate(spec)]
    subscribers = len({partition_key(line) for line in lines})
    sources = args.sources.split(",")
    if not sources or set(sources) - set(SOURCES):
        parser.error(f"--sources: a comma-separated choice of {', '.join(SOURCES)}")
    runs: dict[str, list[Run]] = {source: [] for source in sources}
    for number in range(1, args.runs + 1):
        for source in sources:  # interleaved: the machine's drift shared by both
            with tempfile.TemporaryDirectory(prefix="cdr-capacity-") as tmp:
                run = measure(args, lines, Path(tmp), source)
            runs[source].append(run)
            print(f"run {number}, {source}: {run.cdrs:,} CDRs in {run.seconds:.1f} s = {run.rate:,.0f} CDRs/s; job CPU "
                  f"{run.job_cpu_s:.1f} s ({run.cpu_per_1000:.2f} CPU-s per 1,000 CDRs), the rest of the machine "
                  f"{run.other_cpu_s:.1f} s; last checkpoint {run.checkpoint_ms} ms, state "
                  f"{run.state_bytes / 1e6:.1f} MB ({run.state_bytes / subscribers * 1e5 / 1e6:.1f} MB per 100,000 "
                  f"subscribers), written {run.checkpointed_bytes / 1e6:.1f} MB", flush=True)
    print(f"\n{len(lines):,} CDRs of {subscribers:,} subscribers over {spec.hours * 60:,.1f} minutes (as dense as "
          f"{args.daily_cdrs:,} a day), {args.state_backend}, medians of {args.runs} on this machine "
          f"({os.cpu_count()} cores, emulators included):")
    rates = {source: statistics.median(run.rate for run in measured) for source, measured in runs.items()}
    for source, measured in runs.items():
        cpu = statistics.median(run.cpu_per_1000 for run in measured)
        # the files source is the baseline: the same job and CDRs without the Kinesis source and its emulator
        against = f"; {rates[source] / rates['files']:.2f}× the files source" if "files" in rates else ""
        print(f"  from {source}: {rates[source]:,.0f} CDRs/s, {cpu:.2f} job CPU-seconds per 1,000 CDRs "
              f"({1000 / cpu:,.0f} CDRs/s per vCPU){against}")
    # MSF reads Kinesis: the table sizes it from the Kinesis runs when there are some
    cpu = statistics.median(run.cpu_per_1000 for run in runs.get("kinesis", next(iter(runs.values()))))
    print()
    print("\n".join(msf_table(cpu, args)))
    for share in shares:
        latency_table(share, rates["kinesis"], args)
    return 0


def latency_table(share: float, capacity: float, args: argparse.Namespace) -> None:
    """bench.fraud_latency at `share` % of `capacity`, the job pinned as for the capacity."""
    argv = ["--rate", f"{capacity * share / 100:.0f}", "--seconds", str(args.latency_seconds),
            "--floods", str(max(1, round(args.latency_seconds / 3))), "--aggregate"]
    if args.job_cores:
        argv += ["--job-cores", ",".join(map(str, sorted(args.job_cores)))]
    measured = fraud_latency.run(fraud_latency.parser().parse_args(argv))
    alerts = measured.quantiles("alert")
    lags = list(measured.read_lag_ms.values())
    print(f"alert latency at {share:.0f} % of {capacity:,.0f} CDRs/s (put {measured.put_rate:,.0f}/s: "
          f"{measured.put_rate / capacity:.0%}): "
          f"{len(measured.by_crossing['alert'])} of {measured.crossings} alerts, p50 {alerts.get('p50_ms')} ms, "
          f"p90 {alerts.get('p90_ms')} ms, p99 {alerts.get('p99_ms')} ms; the job's read lag per minute "
          f"{min(lags, default=0) / 1000:.1f}–{max(lags, default=0) / 1000:.1f} s; the poller looked at least every "
          f"{measured.poll_gap_max_ms:,.0f} ms; the job's first alert, before the traffic, "
          f"{measured.first_ms.get('alert', float('nan')):,.0f} ms", flush=True)


if __name__ == "__main__":
    sys.exit(main())
