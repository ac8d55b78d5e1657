"""The demo: local AWS up, generated traffic on the Kinesis stream, the job in a local Flink
minicluster until every window has closed, then a summary read back from DynamoDB and S3.
The operations dashboard (python -m dashboard) serves the job's tables from the start: open
the URL it prints and watch the panels fill while the job runs. At the end the demo keeps it
up until Enter when run in a terminal (or for --dashboard-seconds).

    python -m local.demo [--calls N] [--seed S] [--dashboard-port P] [--dashboard-seconds S]
    python -m local.demo --asterisk Master.csv [--pbx pbx.json]

With --asterisk the traffic is an Asterisk cdr_csv file instead, put on the stream by the
forwarder (python -m asterisk_adapter.forwarder; `python -m synthetic.asterisk_sample` writes one).
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from asterisk_adapter import forwarder
from asterisk_adapter.forwarder import Counts
from dashboard.server import Dashboard, Settings, from_properties
from local.local_aws import LocalAws
from stream_io.kinesis_writer import put_stream
from synthetic.bad_records import BAD_RECORDS
from synthetic.fraud_scenarios import velocity_flood
from synthetic.generate import Progress
from synthetic.traffic import TrafficSpec, generate, subscriber_base, to_json


def top_talkers(usage: list[dict], n: int = 10) -> list[tuple[str, int, int, int]]:
    """(subscriber, talk seconds, legs, logical calls), most talk time first."""
    talk: collections.Counter[str] = collections.Counter()
    legs: collections.Counter[str] = collections.Counter()
    calls: collections.Counter[str] = collections.Counter()
    for item in usage:
        talk[item["subscriber_id"]] += int(item["talk_seconds"])
        legs[item["subscriber_id"]] += int(item["calls"])
        calls[item["subscriber_id"]] += int(item["logical_calls"])
    return [(sub, seconds, legs[sub], calls[sub]) for sub, seconds in talk.most_common(n)]


def redirected_payers(logical: list[dict]) -> collections.Counter[str]:
    """Subscriber -> legs of others' calls on their bill (domain/legs.py: REDIRECTING_PARTY)."""
    return collections.Counter(leg["charged_to"] for call in logical for leg in json.loads(call["legs"])
                               if leg["charge"] == "REDIRECTING_PARTY" and leg["charged_to"])


def forward_file(master: Path, config: Path, state: Path) -> Counts:
    """The forwarder over the whole file, once (what `--once` does)."""
    return forwarder.run(forwarder.parse_args(["--file", str(master), "--config", str(config), "--state", str(state),
                                               "--once"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5_000)
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--asterisk", type=Path, help="an Asterisk Master.csv to forward instead of generated traffic")
    parser.add_argument("--pbx", type=Path, help="the PBX's AsteriskConfig fields, as JSON (with --asterisk)")
    parser.add_argument("--dashboard-port", type=int, default=8050, help="0: any free port")
    parser.add_argument("--dashboard-seconds", type=float,
                        help="keep the dashboard up this long at the end (default: until Enter in a terminal)")
    args = parser.parse_args(argv)

    print("Starting local AWS (kinesis-mock, dynalite, moto) on 127.0.0.1 ...")
    with LocalAws.start() as aws, tempfile.TemporaryDirectory() as tmp:
        resources = aws.resources
        properties = aws.write_properties(Path(tmp) / "application_properties.json", bounded=True)
        board = start_dashboard(properties, args.dashboard_port)
        print(f"Operations dashboard: {board.url}  (live: it fills while the job runs)")
        if args.asterisk:
            print(f"Forwarding {args.asterisk} to Kinesis stream {resources.stream} ...")
            pbx = json.loads(args.pbx.read_text()) if args.pbx else None
            config = aws.write_forwarder_config(Path(tmp) / "forwarder.json", pbx)
            forwarded = forward_file(args.asterisk, config, Path(tmp) / "forwarder")
            received = forwarded.sent + forwarded.dead
            print(f"  {forwarded.sent:,} CDRs put, {forwarded.dead:,} lines refused (in the dead-letter store)")
        else:
            spec = TrafficSpec(seed=args.seed, calls=args.calls, subscribers=args.subscribers)
            records = list(generate(spec))
            # Two call floods (a warning and a critical one), for the fraud panel to show, in
            # their place in time (put after the rest, they would be late for every window).
            template = subscriber_base(spec)[0]
            for index, attempts in enumerate((12, 30), 1):
                at = spec.start + timedelta(hours=index)
                records += velocity_flood(template, f"demo-flood-{index}", at, attempts)
            records.sort(key=lambda record: record.get("endTime") or record["startTime"])
            lines = [to_json(r) for r in records] + [bad.raw for bad in BAD_RECORDS]
            print(f"Putting {len(lines):,} CDRs ({len(BAD_RECORDS)} of them malformed on purpose, two call floods) "
                  f"on Kinesis stream {resources.stream} ...")
            put_stream(lines, aws.kinesis, resources.stream_arn, Progress())
            received = len(lines)
        print("Running the job in a local Flink minicluster until the stream is read and every "
              "window has closed ...")
        started = time.monotonic()
        from jobs.cdr_pipeline import run_stream

        run_stream(properties)
        elapsed = time.monotonic() - started
        usage = aws.scan(resources.usage_hourly_table)
        dead = aws.scan(resources.dead_letters_table)
        bills = aws.scan(resources.billing_monthly_table)
        unrated = aws.scan(resources.rating_errors_table)
        print(f"\nJob finished in {elapsed:.0f} s (including the minicluster's start).")
        print(f"CDRs in: {received:,}   dead letters: {len(dead):,}   "
              f"hourly usage items: {len(usage):,}   monthly bills: {len(bills):,}   "
              f"unrated legs: {len(unrated):,}")
        for reason, count in sorted(collections.Counter(d["reason"] for d in dead).items()):
            print(f"  {reason:<22} {count}")
        if args.asterisk:
            refused = aws.s3_dataset(resources.dead_letter_prefix).to_table(columns=["reason"]).column("reason")
            for reason, count in sorted(collections.Counter(refused.to_pylist()).items()):
                if reason.startswith("ASTERISK_"):
                    print(f"  {reason:<22} {count}   (refused by the forwarder)")
        archive = aws.s3_dataset(resources.archive_prefix)
        partitions = {(row["dt"], row["hour"]) for row in archive.to_table(columns=["dt", "hour"]).to_pylist()}
        store = aws.s3_dataset(resources.dead_letter_prefix).count_rows()
        alerts = aws.scan(resources.fraud_alerts_table)
        logical = aws.scan(resources.logical_calls_table)
        sizes = collections.Counter(min(int(c["leg_count"]), 4) for c in logical)
        print(f"Logical calls: {len(logical):,} from {sum(int(c['leg_count']) for c in logical):,} legs; "
              f"{sum(n for legs, n in sizes.items() if legs > 1):,} with several legs (forwards, transfers, "
              "ring groups, three-way calls, conferences, parks): "
              + ", ".join(f"{n:,} of {legs}{'+' if legs == 4 else ''} legs" for legs, n in sorted(sizes.items())
                          if legs > 1))
        payers = redirected_payers(logical)
        if payers:
            by_subscriber = collections.defaultdict(list)
            for bill in bills:
                by_subscriber[bill["subscriber_id"]].append(bill)
            print("Subscribers who pay for legs they forwarded, transferred or parked (top 5; their bills):")
            for payer, legs in payers.most_common(5):
                totals: dict[str, Decimal] = collections.defaultdict(Decimal)
                for bill in by_subscriber[payer]:  # never added across currencies
                    totals[bill["currency"]] += bill["total"]
                shown = ", ".join(f"{total:>12.6f} {currency}" for currency, total in sorted(totals.items()))
                print(f"  {payer:<12} {legs:>3} legs   bill total {shown}")
        print(f"Fraud alerts: {len(alerts):,}" + "".join(
            f"   {rule}: {count}" for rule, count in sorted(collections.Counter(a["rule"] for a in alerts).items())))
        print(f"S3 archive s3://{resources.bucket}/{resources.archive_prefix}/: {archive.count_rows():,} distinct "
              f"valid records in {len(archive.files)} Parquet files, {len(partitions)} dt/hour partitions; "
              f"dead-letter store s3://{resources.bucket}/{resources.dead_letter_prefix}/: {store:,} records")
        print("\nTop 10 subscribers by talk time (read back from DynamoDB):")
        print(f"  {'subscriber':<12} {'talk time':>12} {'legs':>6} {'calls':>6}")
        for subscriber, seconds, legs, calls in top_talkers(usage):
            print(f"  {subscriber:<12} {seconds // 3600:>5d} h {seconds % 3600 // 60:02d} m {seconds % 60:02d} s"
                  f" {legs:>6} {calls:>6}")
        print("\nTop 10 monthly bills (read back from DynamoDB; amounts exact to 6 decimals):")
        print(f"  {'subscriber':<12} {'month':<8} {'calls':>6} {'billable':>10} {'amount':>12} {'tax':>11} "
              f"{'total':>12}")
        for bill in sorted(bills, key=lambda b: b["total"], reverse=True)[:10]:
            print(f"  {bill['subscriber_id']:<12} {bill['bill_month']:<8} {int(bill['calls']):>6} "
                  f"{int(bill['billable_seconds']):>8} s {bill['amount']:>12.6f} {bill['tax']:>11.6f} "
                  f"{bill['total']:>12.6f} {bill['currency']}")
        linger(board, args.dashboard_seconds)
    return 0


def start_dashboard(properties: Path, port: int) -> Dashboard:
    """The dashboard over the job's DynamoDB tables, on loopback (any free port if `port` is taken)."""
    try:
        return Dashboard(Settings(from_properties(properties), access_log=False), port=port).start()
    except OSError:
        return Dashboard(Settings(from_properties(properties), access_log=False), port=0).start()


def linger(board: Dashboard, seconds: float | None) -> None:
    if seconds is None and sys.stdin.isatty():
        input(f"\nThe dashboard stays up at {board.url} — press Enter to stop it and the emulators. ")
    elif seconds:
        print(f"\nThe dashboard stays up at {board.url} for {seconds:.0f} s.")
        time.sleep(seconds)
    board.stop()


if __name__ == "__main__":
    sys.exit(main())
