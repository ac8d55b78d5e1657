"""Rerate a billed month: price its legs under a tariff folder again and write, per bill, the
correction that makes the bill equal the rerating, to a billing-adjustments table.

    python -m ops.rerate --month 2026-11 --archive s3://bucket/cdr/ --tariffs new-tariffs/ --reason "..." \\
        --dynamodb-table BILLS --adjustments-table ADJUSTMENTS [--endpoint URL] [--s3-endpoint URL]
    python -m ops.rerate --month 2026-11 --archive DIR/cdr_archive --tariffs new-tariffs/ --reason "..." \\
        --replay-dir DIR

The archive (the job's S3 archive where it lies, a local copy, or a replay's DIR/cdr_archive) is replayed
through the job's own SQL under the new tariffs (`replay --tariffs`, the JVM rating and the
job's leg attribution); each final leg of the month is then compared with the price the job
archived for it, which is the price on its bill. domain/rerating.py sums the differences per
bill. The command never writes a bill: the running job owns those and keeps adding late legs.
It writes one adjustment per bill it changes (key subscriber_id, month_currency), replacing that
bill's adjustment from any earlier rerating, so the corrected bill is always the live bill
plus its adjustment, rerating twice is the same as once, and nothing races the job. Legs billed
before that the new tariffs do not price are refused: nothing is written. In replay the
adjustments go to DIR/billing_adjustments/<month>.parquet.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from domain.rerating import BillChange, BillKey, Price, Repriced, Rerating, rerate
from jobs import config as job_config
from jobs import replay_io
from jobs.cdr_pipeline import run_replay
from jobs.replay_io import Location
from ops.reconcile import Key, bill_key, dynamodb_bills, replay_bills

ARCHIVED = ["record_id", "record_type", "start_time", "rated_amount", "rated_tax", "rated_currency",
            "rated_billable_seconds", "rating_error"]
RATED = ["record_id", "billed_subscriber_id", "bill_month", "amount", "tax", "currency", "billable_seconds"]


def archived_prices(archive: Location, month: str) -> pa.Table:
    """The final legs of `month` (UTC month of their start) with the price the job billed."""
    if not archive.files():
        raise ValueError(f"{archive.uri} holds no file")
    dataset = replay_io.dataset(archive)
    missing = [column for column in ARCHIVED if column not in dataset.schema.names]
    if missing:
        raise ValueError(f"{archive.uri} is not the job's archive (no {', '.join(missing)}): rerate the "
                         f"archive the job wrote (its s3://…/cdr/ folder, or a replay's DIR/cdr_archive)")
    table = dataset.to_table(columns=ARCHIVED, filter=ds.field("record_type") == "STOP")
    months = pc.strftime(table.column("start_time"), format="%Y-%m")
    return table.filter(pc.equal(months, month)).drop_columns(["record_type", "start_time"])


def rerated_prices(rated_calls: Path, month: str) -> pa.Table:
    table = pq.read_table(rated_calls, columns=RATED)
    return table.filter(pc.equal(table.column("bill_month"), month)).drop_columns(["bill_month"])


def repriced_legs(billed: pa.Table, now: pa.Table, month: str) -> Iterator[Repriced]:
    """Every leg of `month` on either side, joined by record_id."""
    joined = billed.join(now, keys="record_id", join_type="full outer")
    for batch in joined.to_batches():
        for row in batch.to_pylist():
            old = None if row["rating_error"] is not None or row["rated_currency"] is None else Price(
                row["rated_amount"], row["rated_tax"], row["rated_currency"], row["rated_billable_seconds"])
            new = None if row["currency"] is None else Price(
                row["amount"], row["tax"], row["currency"], row["billable_seconds"])
            yield Repriced(row["record_id"], row["billed_subscriber_id"], month, old, new)


@dataclass(frozen=True)
class Adjustment:
    """One bill's correction as written: what to add, and the bill before and after."""

    key: BillKey
    change: BillChange
    billed_total: Decimal | None  # the live bill's total when rerated (None: no bill yet)
    reason: str
    tariffs: str
    rerated_at: str

    def item(self) -> dict[str, Any]:
        subscriber, month, currency = self.key
        change = self.change
        return {
            "subscriber_id": subscriber, "month_currency": f"{month}/{currency}", "bill_month": month,
            "currency": currency, "calls_difference": change.calls,
            "billable_seconds_difference": change.billable_seconds, "amount_difference": change.amount,
            "tax_difference": change.tax, "total_difference": change.total, "billed_total": self.billed_total,
            "corrected_total": (self.billed_total or Decimal(0)) + change.total,
            "legs_repriced": change.legs_repriced, "reason": self.reason, "tariffs": self.tariffs,
            "rerated_at": self.rerated_at}

    def __str__(self) -> str:
        subscriber, month, currency = self.key
        billed = "no bill" if self.billed_total is None else f"{self.billed_total:f}"
        return (f"{subscriber} {month} {currency}: billed {billed}, corrected {self.item()['corrected_total']:f} "
                f"({self.change.total:+f}; {self.change.legs_repriced} legs repriced)")


def adjustments(rerating: Rerating, bills: Mapping[Key, Mapping[str, Any]], earlier: set[BillKey],
                reason: str, tariffs: str, now: datetime) -> list[Adjustment]:
    """One per bill the rerating changes, and a zero one for each bill an earlier rerating
    adjusted that this one leaves as billed (so that adjustment no longer counts)."""
    stamp = now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    keys = sorted(set(rerating.changes) | earlier)

    def billed_total(key: BillKey) -> Decimal | None:
        bill = bills.get(key)
        return None if bill is None else Decimal(str(bill["total"]))

    return [Adjustment(key, rerating.changes.get(key, BillChange()), billed_total(key), reason, tariffs, stamp)
            for key in keys]


class AdjustmentsTable:
    """The billing-adjustments DynamoDB table (key subscriber_id S, month_currency S)."""

    def __init__(self, client: Any, table: str):
        self.client, self.table = client, table

    def keys_of(self, month: str) -> set[BillKey]:
        return set(dynamodb_bills(self.client, self.table, month))  # an adjustment has a bill's key fields

    def write(self, month: str, rows: list[Adjustment]) -> None:
        from boto3.dynamodb.table import BatchWriter
        from boto3.dynamodb.types import TypeSerializer

        serializer = TypeSerializer()
        # 25 items a request; items DynamoDB leaves unprocessed (throttling) are sent again.
        with BatchWriter(self.table, self.client) as batch:
            for row in rows:
                batch.put_item({name: serializer.serialize(value)
                                for name, value in row.item().items() if value is not None})


class AdjustmentsFolder:
    """DIR/billing_adjustments/<month>.parquet: a replay's adjustments, one file per month."""

    def __init__(self, directory: Path):
        self.directory = directory / "billing_adjustments"

    def keys_of(self, month: str) -> set[BillKey]:
        file = self.directory / f"{month}.parquet"
        return {bill_key(row) for row in pq.read_table(file).to_pylist()} if file.exists() else set()

    def write(self, month: str, rows: list[Adjustment]) -> None:
        if rows:  # none: no bill changed now or by an earlier rerating, so no file to replace
            self.directory.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pylist([row.item() for row in rows], schema=ADJUSTMENT_SCHEMA),
                           self.directory / f"{month}.parquet")


MONEY = pa.decimal128(20, 6)
ADJUSTMENT_SCHEMA = pa.schema([
    ("subscriber_id", pa.string()), ("month_currency", pa.string()), ("bill_month", pa.string()),
    ("currency", pa.string()), ("calls_difference", pa.int64()), ("billable_seconds_difference", pa.int64()),
    ("amount_difference", MONEY), ("tax_difference", MONEY), ("total_difference", MONEY),
    ("billed_total", MONEY), ("corrected_total", MONEY), ("legs_repriced", pa.int64()), ("reason", pa.string()),
    ("tariffs", pa.string()), ("rerated_at", pa.string())])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.rerate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--month", required=True, help="the billed month, yyyy-MM (UTC, of the legs' start)")
    parser.add_argument("--archive", required=True,
                        help="the job's archive: its s3:// folder (or the month's part of it), a local copy, or a "
                             "replay's DIR/cdr_archive")
    parser.add_argument("--s3-endpoint", default="", help="an S3 emulator's URL (path-style addressing)")
    parser.add_argument("--tariffs", type=Path, required=True,
                        help="the tariff folder (or single-tariff CSV) to rate by")
    parser.add_argument("--tax-rate", help="with a single-tariff CSV: its tax rate")
    parser.add_argument("--reason", required=True, help="why: kept with every adjustment")
    parser.add_argument("--properties", type=Path, help="application_properties.json (the replay's settings)")
    parser.add_argument("--work", type=Path, help="where the rerating replay writes (default: a temporary folder)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--replay-dir", type=Path, help="a replay's output: bills in DIR/billing_monthly/")
    target.add_argument("--dynamodb-table", help="the streaming job's billing table")
    parser.add_argument("--adjustments-table", help="with --dynamodb-table: the billing-adjustments table")
    parser.add_argument("--endpoint", help="DynamoDB endpoint (a local emulator)")
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    if args.dynamodb_table and not args.adjustments_table:
        parser.error("--dynamodb-table needs --adjustments-table")
    if not _is_month(args.month):
        parser.error(f"--month {args.month!r} is not yyyy-MM")
    try:
        billed = archived_prices(Location.of(args.archive, args.s3_endpoint), args.month)
    except (ValueError, OSError) as error:
        print(f"refused: {error}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="cdr-rerate-") as scratch:
        work = args.work or Path(scratch)
        try:
            run_replay(args.archive, work, args.properties, tariffs=args.tariffs, tax_rate=args.tax_rate,
                       flink_settings={"s3.endpoint": args.s3_endpoint, "s3.path.style.access": "true"}
                       if args.s3_endpoint else None)
        except job_config.ConfigError as error:
            print(f"refused: {error}", file=sys.stderr)
            return 2
        now = rerated_prices(work / "rated_calls", args.month)
        rerating = rerate(repriced_legs(billed, now, args.month), args.month)
    if rerating.unrated_now:
        shown = ", ".join(rerating.unrated_now[:20])
        print(f"refused: {len(rerating.unrated_now)} legs billed before are priced by no rate of the new tariffs "
              f"({shown}{', …' if len(rerating.unrated_now) > 20 else ''}); nothing written", file=sys.stderr)
        return 1
    store: AdjustmentsFolder | AdjustmentsTable
    if args.replay_dir:
        bills, store = replay_bills(args.replay_dir), AdjustmentsFolder(args.replay_dir)
    else:
        import boto3

        client = boto3.client("dynamodb", region_name=args.region, endpoint_url=args.endpoint)
        bills = dynamodb_bills(client, args.dynamodb_table, month=args.month)
        store = AdjustmentsTable(client, args.adjustments_table)
    rows = adjustments(rerating, bills, store.keys_of(args.month), args.reason, str(args.tariffs), datetime.now(UTC))
    store.write(args.month, rows)
    print("\n".join(str(row) for row in rows[:50]))
    totals: dict[str, Decimal] = {}
    for row in rows:
        totals[row.key[2]] = totals.get(row.key[2], Decimal(0)) + row.change.total
    print(f"{args.month}: {rerating.legs:,} legs rerated, {rerating.repriced:,} repriced; {len(rows):,} adjustments "
          f"written ({', '.join(f'{total:+f} {currency}' for currency, total in sorted(totals.items())) or 'none'})")
    return 0


def _is_month(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m")
    except ValueError:
        return False
    return len(text) == 7


if __name__ == "__main__":
    sys.exit(main())
