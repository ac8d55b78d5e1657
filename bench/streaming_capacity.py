"""Streaming capacity: how many CDRs/s the streaming job sustains with every feature on, what a
CDR costs in CPU, and what that makes on Amazon Managed Service for Apache Flink.

    python -m bench.streaming_capacity [--cdrs 120000] [--subscribers 20000] [--daily-cdrs 5000000]
                                       [--seed 7] [--runs 2] [--state-backend rocksdb|hashmap]

Each run: fresh emulators; the stream pre-filled with --cdrs generated CDRs as KPL aggregates
(a backlog, as after an outage or at a first start from TRIM_HORIZON); then the job as it runs
in production — fraud rules and their alerts, leg attribution, rating and bills, usage, route
quality, dead letters, Timestream metrics, the S3 archive — reads the backlog bounded and
stops when it is through. The job is at its capacity the whole time (nothing waits for input),
so:

The backlog is as dense in event time as an operator's day of --daily-cdrs: its CDRs span
--cdrs / --daily-cdrs of a day. The job's per-minute work (windows firing, a metrics write per
minute) scales with the minutes its input spans, not with its CDRs: a sparse backlog (a day's
span for a few thousand CDRs) charges every CDR with that and understates the capacity. The
span must also be long against the watermark's lateness: a backlog's STARTs wait for the
watermark in the fraud rules (jobs/fraud_detection.py), so a backlog shorter than it releases
them all at its end. The end itself is left out for that reason: a bounded read ends with the
watermark at its maximum, which fires every timer the rules hold for days ahead at once.

- sustained CDRs/s = the records the source handed on (Flink's REST API, once a second) between
  the moments it had handed on --from and --to of the backlog, over the time between: the
  steady state, without the job's start (the JIT compiles Flink's generated code for minutes)
  and the drain at the end of its input;
- job CPU per 1,000 CDRs = CPU seconds of the job's processes (JVM and Python) over the same
  span, per 1,000 CDRs: also the cores the job needs at 1,000 CDRs/s;
- the whole run, from the readers' first split to the job's end, is printed beside it;
- checkpoints: duration and full and incremental size of the last one (Flink's REST API),
  the state then, per 100,000 subscribers of the traffic;
- the machine's other CPU (the emulators, this process) is reported apart: on MSF it is AWS's.

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
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.faults import JobWatch, rest
from local.local_aws import PROJECT_ROOT, LocalAws, Resources, free_port
from stream_io.kinesis_writer import KinesisWriter, partition_key
from synthetic.traffic import TrafficSpec, generate, to_json

CDRS_PER_CALL = 1.6  # the generator's START/INTERIM/STOP per leg and multi-leg share, measured
DAILY_VOLUMES = (500_000, 50_000_000, 1_000_000_000)
FLINK_LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})")


@dataclass(frozen=True)
class Span:
    """CDRs through the job over a span of time, and the CPU it took."""

    cdrs: int
    seconds: float
    job_cpu_s: float  # the job's processes
    other_cpu_s: float  # everything else on the machine

    @property
    def rate(self) -> float:
        return self.cdrs / self.seconds

    @property
    def cpu_per_1000(self) -> float:
        return self.job_cpu_s / self.cdrs * 1000


@dataclass(frozen=True)
class Progress:
    """One sample: when, the records the source had handed on, CPU so far (job, machine)."""

    at: float
    records: int
    job_cpu_s: float
    machine_cpu_s: float


@dataclass(frozen=True)
class Run:
    steady: Span  # between --from and --to of the backlog read
    whole: Span  # from the first split added to the job's end
    checkpoint_ms: int
    state_bytes: int
    checkpointed_bytes: int


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


def _log_time(line: str) -> float:
    return datetime.strptime(FLINK_LOG_TIME.match(line).group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()  # type: ignore[union-attr]


def _first_split_added(log_dir: Path) -> float | None:
    for path in log_dir.glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if "Adding split(s) to reader" in line and FLINK_LOG_TIME.match(line):
                return _log_time(line)
    return None


def measure(args: argparse.Namespace, lines: list[str], workdir: Path) -> Run:
    resources = Resources(stream="cdr-capacity", bucket="cdr-capacity-archive", timestream_database="cdr_capacity")
    with LocalAws.start(resources) as aws:
        writer = KinesisWriter(aws.kinesis, aws.resources.stream_arn, aggregate=True)
        for line in lines:
            writer.put(line.encode(), partition_key(line))
        writer.flush()
        properties = workdir / "app.json"
        properties.write_text(json.dumps(aws.application_properties(bounded=True, metrics=True)))
        watch = JobWatch(free_port())
        log_dir = workdir / "flink-log"
        settings = ["--set", f"rest.port={watch.port}", "--set", f"state.backend.type={args.state_backend}",
                    "--set", "execution.checkpointing.incremental=true"]
        with (workdir / "job.log").open("wb") as log:
            job = subprocess.Popen(
                [sys.executable, "-m", "jobs.cdr_pipeline", "stream", "--properties", str(properties),
                 "--checkpoints", str(workdir / "checkpoints"), *settings],
                cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "FLINK_LOG_DIR": str(log_dir)})
            meter = CpuMeter(job.pid)
            started: Progress | None = None
            progress: list[Progress] = []
            while job.poll() is None:
                if started is None and (first := _first_split_added(log_dir)) is not None:
                    started = Progress(first, 0, *meter.snapshot())
                try:
                    watch.sample(0)
                    if (records := _records_read(watch)) is not None:
                        progress.append(Progress(time.time(), records, *meter.snapshot()))
                except OSError:
                    pass  # not up yet, or finishing
                time.sleep(1)
            ended = Progress(time.time(), len(lines), *meter.snapshot())
            meter.stop()
        if job.returncode != 0 or started is None:
            raise RuntimeError(f"the job failed (exit {job.returncode}); its output: {workdir / 'job.log'}")
    last = watch.samples[-1] if watch.samples else (0, 0, 0, 0, 0)
    steady = (_first_past(progress, args.start_share * len(lines)), _first_past(progress, args.end_share * len(lines)))
    if None in steady or steady[0] is steady[1]:
        raise RuntimeError(f"too few progress samples between {args.start_share:.0%} and {args.end_share:.0%} of the "
                           "backlog: make --cdrs larger")
    return Run(steady=_span(*steady), whole=_span(started, ended),  # type: ignore[arg-type]
               checkpoint_ms=last[2], state_bytes=last[3], checkpointed_bytes=last[4])


def _span(first: Progress, last: Progress) -> Span:
    job_cpu = last.job_cpu_s - first.job_cpu_s
    return Span(last.records - first.records, last.at - first.at, job_cpu,
                last.machine_cpu_s - first.machine_cpu_s - job_cpu)


def _first_past(progress: list[Progress], records: float) -> Progress | None:
    return next((sample for sample in progress if sample.records >= records), None)


def _records_read(watch: JobWatch) -> int | None:
    """The records the source's operator chain handed on (one per CDR read: the chain parses and
    passes on every record, valid or not), from Flink's REST API."""
    job = watch.job_id()
    if job is None:
        return None
    source = next((vertex for vertex in rest(watch.port, f"/jobs/{job}")["vertices"]
                   if vertex["name"].startswith("Source: cdr_raw")), None)
    return None if source is None else int(source["metrics"]["write-records"])


def _describe(span: Span) -> str:
    return (f"{span.cdrs:,} CDRs in {span.seconds:.1f} s = {span.rate:,.0f} CDRs/s, job CPU {span.job_cpu_s:.1f} s "
            f"({span.cpu_per_1000:.2f} CPU-s per 1,000 CDRs), the rest of the machine {span.other_cpu_s:.1f} s")


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
    parser.add_argument("--from", dest="start_share", type=float, default=0.3,
                        help="the steady state starts when the source has handed on this share of the backlog")
    parser.add_argument("--to", dest="end_share", type=float, default=0.9, help="... and ends at this share")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--state-backend", choices=("rocksdb", "hashmap"), default="rocksdb",
                        help="rocksdb (with incremental checkpoints) is what MSF runs")
    parser.add_argument("--peak-factor", type=float, default=3.0, help="peak rate over the day's mean")
    parser.add_argument("--target-utilisation", type=float, default=0.7, help="share of the KPUs the peak may use")
    parser.add_argument("--kpu-hour-usd", type=float, default=0.11)
    parser.add_argument("--storage-gb-month-usd", type=float, default=0.10)
    args = parser.parse_args(argv)
    spec = TrafficSpec(seed=args.seed, calls=max(1, round(args.cdrs / CDRS_PER_CALL)), subscribers=args.subscribers,
                       hours=24 * args.cdrs / args.daily_cdrs)
    lines = [to_json(record) for record in generate(spec)]
    subscribers = len({partition_key(line) for line in lines})
    runs = []
    for number in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="cdr-capacity-") as tmp:
            run = measure(args, lines, Path(tmp))
        runs.append(run)
        print(f"run {number}: steady {_describe(run.steady)}; whole run {_describe(run.whole)}; last checkpoint "
              f"{run.checkpoint_ms} ms, state {run.state_bytes / 1e6:.1f} MB "
              f"({run.state_bytes / subscribers * 1e5 / 1e6:.1f} MB per 100,000 subscribers), written "
              f"{run.checkpointed_bytes / 1e6:.1f} MB", flush=True)
    rate = statistics.median(run.steady.rate for run in runs)
    cpu = statistics.median(run.steady.cpu_per_1000 for run in runs)
    print(f"\n{len(lines):,} CDRs of {subscribers:,} subscribers over {spec.hours * 60:,.1f} minutes (as dense as "
          f"{args.daily_cdrs:,} a day), {args.state_backend}, median of {len(runs)}: "
          f"{rate:,.0f} CDRs/s on this machine ({os.cpu_count()} cores, emulators included), "
          f"{cpu:.2f} job CPU-seconds per 1,000 CDRs ({1000 / cpu:,.0f} CDRs/s per vCPU)\n")
    print("\n".join(msf_table(cpu, args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
