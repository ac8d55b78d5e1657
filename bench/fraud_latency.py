"""Fraud alert latency: from the put of the CDR that crosses a rule's threshold to its alert
item in DynamoDB, with the streaming job running against the emulators at a steady load.

    python -m bench.fraud_latency [--rate 500] [--seconds 60] [--floods 40] [--poll-ms 50] [--aggregate]

Normal traffic is put on Kinesis at --rate CDRs/s; every ~1.5 s a new subscriber floods
(VELOCITY: 12 call attempts within seconds), and the put time of its 12th attempt is noted.
A poller scans the fraud-alerts table every --poll-ms (plus the scan's own time); latency =
first sight of the alert − that put. Prints p50/p90/p99/max (resolution: the poll interval) and
how many floods were alerted at all.
This measures the whole path: Kinesis polling (200 ms per shard), SQL, the Python rules
(thread mode), the DynamoDB sink's flush. It also prints the job's own read lag per minute
(pipeline_minutely), which separates the wait before the job has a record from what follows.
Unaggregated, the local producer reaches ~300-450 CDRs/s: kinesis-mock's PutRecords costs
grow with the records already on the shard (it hashes the shard's whole record list per entry),
so its single-threaded event loop saturates within a minute and its queue becomes the tail.
With --aggregate the CDRs go as KPL aggregates (as a production producer sends them), the
emulator stays near idle and the numbers are the pipeline's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from local.local_aws import LocalAws
from stream_io.kinesis_writer import KinesisWriter, partition_key
from synthetic.fraud_scenarios import velocity_flood
from synthetic.traffic import TrafficSpec, generate, subscriber_base, to_json

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fraud_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--floods", type=int, default=40)
    parser.add_argument("--poll-ms", type=float, default=50, help="how often the alerts table is scanned")
    parser.add_argument("--aggregate", action="store_true", help="put the CDRs as KPL aggregates")
    parser.add_argument("--job-log", type=Path, help="keep the job's output here (to look into a missed alert)")
    args = parser.parse_args(argv)
    with LocalAws.start() as aws, tempfile.TemporaryDirectory() as tmp:
        properties = aws.write_properties(Path(tmp) / "app.json", bounded=False)
        log = (args.job_log or Path(os.devnull)).open("w")
        job = subprocess.Popen([sys.executable, "-m", "jobs.cdr_pipeline", "stream", "--properties", str(properties)],
                               cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            return _measure(aws, args)
        finally:
            job.terminate()
            job.wait(30)
            log.close()


def _measure(aws: LocalAws, args: argparse.Namespace) -> int:
    table = aws.resources.fraud_alerts_table
    seen: dict[str, float] = {}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            for item in aws.scan(table):
                if item["rule"] == "VELOCITY":
                    seen.setdefault(item["subscriber_id"], time.monotonic())
            time.sleep(args.poll_ms / 1000)

    start = datetime.now(UTC)
    spec = TrafficSpec(seed=9, subscribers=2_000, calls=int(args.rate * args.seconds / 1.6), start=start,
                       hours=args.seconds / 3600, duplicate_share=0.0)
    normal = iter([to_json(record) for record in generate(spec)])  # made now: the producer only puts
    template = subscriber_base(spec)[0]
    writer = KinesisWriter(aws.kinesis, aws.resources.stream_arn, aggregate=args.aggregate)
    print("waiting 25 s for the job to start ...", flush=True)
    time.sleep(25)
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    triggers: dict[str, float] = {}
    interval = args.seconds / args.floods
    began = time.monotonic()
    sent = 0
    next_flood = 0
    while time.monotonic() - began < args.seconds:
        tick = time.monotonic()
        due = int(args.rate * (tick - began + 0.2)) - sent  # catch up after a slow tick
        batch = [line for _, line in zip(range(max(0, due)), normal, strict=False)]
        if next_flood < args.floods and tick - began >= next_flood * interval:
            flood = [to_json(record) for record in
                     velocity_flood(template, f"bench-flood-{next_flood:04d}", datetime.now(UTC))]
            for line in flood:
                writer.put(line.encode(), partition_key(line))
            writer.flush()
            triggers[f"bench-flood-{next_flood:04d}"] = time.monotonic()
            sent += len(flood)
            next_flood += 1
        for line in batch:
            writer.put(line.encode(), partition_key(line))
        writer.flush()
        sent += len(batch)
        time.sleep(max(0.0, 0.2 - (time.monotonic() - tick)))
    deadline = time.monotonic() + 60
    while len(seen) < len(triggers) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    latencies = sorted((seen[k] - t) * 1000 for k, t in triggers.items() if k in seen)
    elapsed = time.monotonic() - began
    print(f"put {sent:,} CDRs in {elapsed:.0f} s ({sent / elapsed:,.0f}/s); {len(triggers)} floods, "
          f"{len(latencies)} alerted; missing: {sorted(set(triggers) - set(seen))[:5]}")
    if latencies:
        quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
        print(json.dumps({"p50_ms": round(quantiles[49]), "p90_ms": round(quantiles[89]),
                          "p99_ms": round(quantiles[98]), "max_ms": round(latencies[-1])}))
    # The job's own measure of how far behind the stream it read (pipeline_minutely: per minute,
    # the longest wait of a record between its arrival on Kinesis and its parse).
    lags = {item["minute_start"]: int(item["max_lag_ms"]) for item in aws.scan(aws.resources.pipeline_minutely_table)
            if item.get("max_lag_ms") is not None}
    print("read lag per minute (max ms, arrival on Kinesis -> parse):",
          json.dumps(dict(sorted(lags.items()))))
    return 0 if len(latencies) == len(triggers) else 1


if __name__ == "__main__":
    sys.exit(main())
