"""Fraud response latency: from the moment a rule's threshold is crossed to its alert item in
DynamoDB and its notification's publish on SNS, with the streaming job running against the
emulators at a steady load. (A block follows a CRITICAL alert in the same operator: the
crossing measured here is the WARNING level.)

    python -m bench.fraud_latency [--rule VELOCITY|RUNNING_COST] [--rate 500] [--seconds 60] [--floods 40]
                                  [--poll-ms 50] [--aggregate] [--buffer-timeout-ms N] [--job-cores 0]

Normal traffic (--rate CDRs/s on average) is put on Kinesis as a PBX sends it: each record once
its event time (a STOP's end, else its start) has come, so event time never runs ahead of the
wall clock. (Put at a flat rate instead, the generator's STOPs of calls still to end move the
watermark up to minutes ahead of the clock, and event-time timers raise running calls' alerts
before their crossing.) The traffic starts once the job reads, after one crossing on a quiet
stream, reported apart: the job's first alert pays once for its path's first use. Every
--seconds/--floods a new subscriber crosses the rule's threshold. VELOCITY: it floods (12 call
attempts within seconds) and the put time of its 12th attempt is the crossing. RUNNING_COST: it
starts a call to a satellite range (6.50 a minute, 1.00 connect fee: 391.00 an hour) and only
its START is put; the crossing is the moment its cost reaches the warning level, lowered for the
run to 2.00 (18.4 s into the call): no record marks it, the job's timer must. A poller scans
the fraud-alerts table and reads the SNS topic's messages (moto runs in this process) every
--poll-ms (plus the scan's own time); latency = first sight − the crossing. Prints, for each of
the two, p50/p90/p99/max, the slowest crossings, how many were seen at all, and the longest
time between two looks (the figures' resolution).
This measures the whole path: Kinesis polling (200 ms per shard), SQL, the Python rules
(thread mode), the DynamoDB sink's flush. It also prints the job's own read lag per minute
(pipeline_minutely), which separates the wait before the job has a record from what follows.
Unaggregated, the local producer reaches ~300-450 CDRs/s: kinesis-mock's PutRecords costs
grow with the records already on the shard (it hashes the shard's whole record list per entry),
so its single-threaded event loop saturates within a minute and its queue becomes the tail.
With --aggregate the CDRs go as KPL aggregates (as a production producer sends them), the
emulator stays near idle and the numbers are the pipeline's. With --job-cores the job runs on
those cores and the producer, the poller and the emulators on the others (bench/cores.py):
`python -m bench.streaming_capacity --latency-shares 50,80,100` measures the job's capacity so
pinned and then this at those shares of it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench.cores import on_cores, parse_cores, pin_the_rest
from bench.flink_log import first_split_added
from domain.fraud_rules import DEFAULT_RULES
from local.local_aws import LocalAws
from stream_io.kinesis_writer import KinesisWriter, partition_key
from synthetic.fraud_scenarios import velocity_flood
from synthetic.traffic import (
    CDRS_PER_CALL,
    CallPlan,
    Subscriber,
    TrafficSpec,
    build_call,
    generate,
    subscriber_base,
    to_json,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RUNNING_COST_WARNING = Decimal(2)
SATELLITE_HOURLY = Decimal("6.50") * 60 + Decimal("1.00")  # the default deck's 881 prefix
TRAFFIC_LEAD_S = 600  # most calls last a minute, a few hours
JOB_START_S = 120  # the job reads within ~25 s (~40 s on one core), the traffic is made meanwhile
JOB_SETTLE_S = 10  # after its first split: its first records through every operator
WHAT = {"alert": "alert item in DynamoDB", "notice": "notification on SNS"}


@dataclass(frozen=True)
class Latencies:
    """One run's figures: what was put, and each crossing's latency (ms) by what saw it."""

    put_rate: float
    crossings: int
    by_crossing: dict[str, dict[str, float]]  # "alert", "notice": each seen crossing's subscriber's latency
    first_ms: dict[str, float]  # the job's first alert's, before the traffic (if seen within a minute)
    missing: dict[str, list[str]]  # the crossings' subscribers not seen
    read_lag_ms: dict[str, int]  # the job's longest read lag per minute
    poll_gap_max_ms: float  # the longest time between two looks at the alerts table and SNS

    def slowest(self, what: str, count: int = 3) -> dict[str, int]:
        """The slowest crossings' subscribers (numbered in put order) and their latencies."""
        ranked = sorted(self.by_crossing[what].items(), key=lambda item: -item[1])[:count]
        return {subscriber: round(latency) for subscriber, latency in ranked}

    def quantiles(self, what: str) -> dict[str, int]:
        latencies = sorted(self.by_crossing[what].values())
        if not latencies:
            return {}
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        return {"p50_ms": round(cuts[49]), "p90_ms": round(cuts[89]), "p99_ms": round(cuts[98]),
                "max_ms": round(latencies[-1])}


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.fraud_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rule", choices=("VELOCITY", "RUNNING_COST"), default="VELOCITY")
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--floods", type=int, default=40)
    parser.add_argument("--poll-ms", type=float, default=50, help="how often the alerts table is scanned")
    parser.add_argument("--aggregate", action="store_true", help="put the CDRs as KPL aggregates")
    parser.add_argument("--job-log", type=Path, help="keep the job's output here (to look into a missed alert)")
    parser.add_argument("--buffer-timeout-ms", help="the job's CdrJob.buffer-timeout.ms (default: the job's)")
    parser.add_argument("--job-cores", type=parse_cores,
                        help="the job on these cores (e.g. 0), the producer and emulators on the rest (bench/cores.py)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    measured = run(args)
    first = {what: round(latency) for what, latency in measured.first_ms.items()}
    print(f"the job's first crossing, before the traffic (ms): {json.dumps(first)}")
    print(f"put {measured.put_rate:,.0f} CDRs/s; {measured.crossings} {args.rule} crossings")
    for what in sorted(measured.by_crossing):
        missing = measured.missing[what]
        print(f"{WHAT[what]}: {len(measured.by_crossing[what])} of {measured.crossings} "
              f"{json.dumps(measured.quantiles(what))}" + (f"; missing: {missing[:5]}" if missing else ""))
        print(f"  the slowest: {json.dumps(measured.slowest(what))}")
    print("read lag per minute (max ms, arrival on Kinesis -> parse):", json.dumps(measured.read_lag_ms))
    print(f"the poller looked at least every {measured.poll_gap_max_ms:,.0f} ms")
    return 0 if not any(measured.missing.values()) else 1


def run(args: argparse.Namespace) -> Latencies:
    """Emulators, the streaming job, the producer and the poller: one run's figures."""
    pin_the_rest(args.job_cores)
    with LocalAws.start() as aws, tempfile.TemporaryDirectory() as tmp:
        job_settings = {"buffer-timeout.ms": args.buffer_timeout_ms} if args.buffer_timeout_ms else None
        groups = aws.application_properties(bounded=False, job=job_settings)
        if args.rule == "RUNNING_COST":
            rules = Path(tmp) / "fraud.yaml"
            rules.write_text(DEFAULT_RULES.read_text().replace(
                "RUNNING_COST:\n    warning: 25", f"RUNNING_COST:\n    warning: {RUNNING_COST_WARNING}"))
            next(g for g in groups if g["PropertyGroupId"] == "CdrFraud")["PropertyMap"]["rules"] = str(rules)
        properties = Path(tmp) / "app.json"
        properties.write_text(json.dumps(groups))
        log_dir = Path(tmp) / "flink-log"
        log = (args.job_log or Path(os.devnull)).open("w")
        job = subprocess.Popen([sys.executable, "-m", "jobs.cdr_pipeline", "stream", "--properties", str(properties)],
                               cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "FLINK_LOG_DIR": str(log_dir)}, preexec_fn=on_cores(args.job_cores))
        try:
            return _measure(aws, args, lambda: first_split_added(log_dir) is not None and job.poll() is None)
        finally:
            job.terminate()
            job.wait(30)
            log.close()


def _measure(aws: LocalAws, args: argparse.Namespace, job_reading: Callable[[], bool]) -> Latencies:
    seen: dict[str, dict[str, float]] = {"alert": {}, "notice": {}}
    stop = threading.Event()

    poll_gaps: list[float] = []  # between two looks: a latency's resolution

    def poll() -> None:
        while not stop.is_set():
            now = time.monotonic()
            poll_gaps.append(now)
            for item in aws.scan(aws.resources.fraud_alerts_table):
                if item["rule"] == args.rule:
                    seen["alert"].setdefault(item["subscriber_id"], now)
            for message in aws.sns_messages():
                if message["attributes"].get("rule") == args.rule:
                    seen["notice"].setdefault(message["subject"].rsplit(" ", 1)[1], now)
            time.sleep(args.poll_ms / 1000)

    # Traffic from JOB_START_S on (made while the job starts: minutes of it take seconds to make).
    # It began TRAFFIC_LEAD_S earlier (what fell before the start is not put): calls that started
    # before it end within it, so the records put match --rate, not the rate less the STOPs
    # still to come.
    start = datetime.now(UTC) + timedelta(seconds=JOB_START_S)
    span_s = TRAFFIC_LEAD_S + args.seconds
    spec = TrafficSpec(seed=9, subscribers=2_000, calls=int(args.rate * span_s / CDRS_PER_CALL),
                       start=start - timedelta(seconds=TRAFFIC_LEAD_S), hours=span_s / 3600, duplicate_share=0.0)
    # Made now (the producer only puts), in the order a PBX sends them.
    normal = sorted(timed for timed in ((_event_time(line), line) for line in map(to_json, generate(spec)))
                    if timed[0] >= start.timestamp())
    template = subscriber_base(spec)[0]
    writer = KinesisWriter(aws.kinesis, aws.resources.stream_arn, aggregate=args.aggregate)
    print("waiting for the job to read ...", flush=True)
    waited = time.monotonic()
    while not job_reading():
        if time.monotonic() - waited > 300:
            raise RuntimeError("the job did not start reading within 5 minutes")
        time.sleep(0.5)
    time.sleep(JOB_SETTLE_S)
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()

    def cross(subscriber: str) -> tuple[int, float]:
        """The subscriber crosses the rule now: (CDRs put, the crossing's time.monotonic)."""
        crossing: float | None = None
        if args.rule == "VELOCITY":
            lines = [to_json(record) for record in velocity_flood(template, subscriber, datetime.now(UTC))]
        else:
            lines, crossing = _satellite_start(template, subscriber)
        for line in lines:
            writer.put(line.encode(), partition_key(line))
        writer.flush()
        return len(lines), crossing if crossing is not None else time.monotonic()  # a flood: its put

    # The job's first alert pays once for its path's first use (measured: 1.4-2.0 s to the alerts
    # table, 0.5-0.8 s to SNS): reported apart, not as a tail of the steady state.
    first = f"bench-{args.rule.lower()}-first"
    _, first_crossing = cross(first)
    while any(first not in seen[what] for what in seen) and time.monotonic() - first_crossing < 60:
        time.sleep(0.1)
    first_ms = {what: (seen[what][first] - first_crossing) * 1000 for what in seen if first in seen[what]}
    if (late := time.time() - start.timestamp()) > 0:
        print(f"the job read {late:.0f} s after the traffic's start: its first {late:.0f} s go at once", flush=True)
    time.sleep(max(0.0, start.timestamp() - time.time()))
    triggers: dict[str, float] = {}
    interval = args.seconds / args.floods
    began = time.monotonic()
    sent = normal_sent = 0
    next_flood = 0
    while time.monotonic() - began < args.seconds:
        tick = time.monotonic()
        batch = []
        while normal_sent < len(normal) and normal[normal_sent][0] <= time.time():
            batch.append(normal[normal_sent][1])
            normal_sent += 1
        if next_flood < args.floods and tick - began >= next_flood * interval:
            subscriber = f"bench-{args.rule.lower()}-{next_flood:04d}"
            put, triggers[subscriber] = cross(subscriber)
            sent += put
            next_flood += 1
        for line in batch:
            writer.put(line.encode(), partition_key(line))
        writer.flush()
        sent += len(batch)
        time.sleep(max(0.0, 0.2 - (time.monotonic() - tick)))
    producing = time.monotonic() - began
    deadline = time.monotonic() + 90
    expected = {"alert", "notice"}
    # Until every crossing's subscriber is seen: other subscribers' calls cross the lowered
    # RUNNING_COST warning too, so a count of alerts would end the wait before the last floods'.
    while any(not triggers.keys() <= seen[what].keys() for what in expected) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    # The job's own measure of how far behind the stream it read (pipeline_minutely: per minute,
    # the longest wait of a record between its arrival on Kinesis and its parse).
    lags = {item["minute_start"]: int(item["max_lag_ms"]) for item in aws.scan(aws.resources.pipeline_minutely_table)
            if item.get("max_lag_ms") is not None}
    by_crossing = {what: {k: (seen[what][k] - t) * 1000 for k, t in triggers.items() if k in seen[what]}
                   for what in sorted(expected)}
    return Latencies(put_rate=sent / producing, crossings=len(triggers),
                     by_crossing=by_crossing, first_ms=first_ms,
                     missing={what: sorted(set(triggers) - set(seen[what])) for what in sorted(expected)},
                     read_lag_ms=dict(sorted(lags.items())),
                     poll_gap_max_ms=max((b - a for a, b in itertools.pairwise(poll_gaps)), default=0.0) * 1000)


def _event_time(line: str) -> float:
    """A record's event time as the job takes it (sql/functions/cdr_event_time.sql), epoch s."""
    record = json.loads(line)
    return datetime.fromisoformat(record.get("endTime") or record["startTime"]).timestamp()


def _satellite_start(template: Subscriber, subscriber_id: str) -> tuple[list[str], float]:
    """The START of a call to a satellite range set up now, and when (time.monotonic) its cost
    reaches RUNNING_COST_WARNING (391.00 an hour, counted from set-up until an answer is known)."""
    setup, setup_monotonic = datetime.now(UTC), time.monotonic()
    plan = CallPlan(replace(template, subscriber_id=subscriber_id), "MOBILE_ORIGINATED", "+881631234567",
                    "INTERNATIONAL", setup, 3, 3_600, "NORMAL", call_id=subscriber_id, with_start=True)
    start = build_call(plan, random.Random(subscriber_id))[0][1]
    crossing_ms = math.ceil(RUNNING_COST_WARNING * 3_600_000 / SATELLITE_HOURLY)
    return [to_json(start)], setup_monotonic + crossing_ms / 1000


if __name__ == "__main__":
    sys.exit(main())
