"""Reconciliation: re-rate CDR files in plain Python, independently of Flink, and compare with
a billing table — a replay's DIR/billing_monthly/ or the streaming job's DynamoDB table.

    python -m ops.reconcile --cdrs PATH --replay-dir DIR
    python -m ops.reconcile --cdrs PATH --dynamodb-table T --endpoint URL

Validation is the reference model's (domain/cdr.py), rating domain/tariff_plans.py's; the job parses and
rates on the JVM, so agreement is two implementations agreeing. Prints every difference per
subscriber and month and a summary; exits 1 on any difference, 0 when every bill matches.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from domain.cdr import CallDirection, Cdr, RecordType, TerminationReason, validate_record
from domain.legs import Leg, attribute
from domain.tariff_plans import PlanRating, rate_leg
from jobs import config as job_config
from jobs.replay_io import Location, read_lines

MONEY = ("amount", "tax", "total", "voice_amount", "video_amount", "conference_amount")
COUNTS = ("calls", "answered_calls", "talk_seconds", "billable_seconds", "voice_calls", "video_calls",
          "conference_calls")
Key = tuple[str, str, str]  # (subscriber_id, bill_month, currency): one bill


@dataclass
class Expected:
    bills: dict[Key, dict[str, Any]]
    records: int = 0
    rejected: int = 0
    rated_legs: int = 0
    unrated_legs: int = 0


@dataclass
class Difference:
    key: Key
    figure: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{' '.join(self.key)} {self.figure}: expected {self.expected}, billed {self.actual}"


def _started_seconds(start: datetime, end: datetime) -> int:
    """Whole seconds, a started second counting (times are kept to the millisecond)."""
    millis = (end - start) // timedelta(milliseconds=1)
    return max(0, -(-millis // 1000))


def expected_bills(lines: Iterable[str], billing: job_config.BillingConfig) -> Expected:
    """The monthly bills the CDRs should produce, computed without Flink: each rated leg on the
    bill of the subscriber charged for it (domain/legs.py: a forwarded or transferred leg on the
    redirecting subscriber's)."""
    zero = Decimal("0.000000")
    bills: dict[Key, dict[str, Any]] = defaultdict(
        lambda: {**{figure: 0 for figure in COUNTS}, **{figure: zero for figure in MONEY}})
    seen: set[str] = set()
    result = Expected(bills)
    rated: list[tuple[Cdr, bool, int, PlanRating]] = []
    final: list[tuple[Cdr, bool]] = []  # who pays is decided over every leg, priced or not
    for line in lines:
        result.records += 1
        cdr = validate_record(line).cdr
        if cdr is None:
            result.rejected += 1
            continue
        if cdr.record_type is not RecordType.STOP or cdr.record_id in seen:
            continue
        seen.add(cdr.record_id)
        answered = cdr.answer_time is not None and cdr.termination_reason is TerminationReason.NORMAL
        talk = 0
        if answered and cdr.answer_time is not None and cdr.end_time is not None:  # a STOP has an end
            talk = _started_seconds(cdr.answer_time, cdr.end_time)
        final.append((cdr, answered))
        country = cdr.calling_party.location.country if cdr.calling_party.location else None
        rating = rate_leg(billing.book, cdr.calling_party.subscriber_id, cdr.called_party.number, country,
                          mobile_originated=cdr.call_direction is CallDirection.MOBILE_ORIGINATED,
                          started_ms=_ms(cdr.start_time),
                          answered_ms=_ms(cdr.answer_time) if answered and cdr.answer_time else None,
                          talk_seconds=talk)
        if rating.error is not None:
            result.unrated_legs += 1
            continue
        result.rated_legs += 1
        rated.append((cdr, answered, talk, rating))
    payers = _payers(final)
    for cdr, answered, talk, rating in rated:
        payer = payers.get(cdr.record_id, cdr.calling_party.subscriber_id)
        bill = bills[(payer, cdr.start_time.strftime("%Y-%m"), rating.currency)]
        kind = cdr.call_type.value.lower()
        bill["calls"] += 1
        bill["answered_calls"] += answered
        bill["talk_seconds"] += talk
        bill["billable_seconds"] += rating.billable_seconds
        bill["amount"] += rating.amount
        bill["tax"] += rating.tax
        bill["total"] += rating.amount + rating.tax
        bill[f"{kind}_calls"] += 1
        bill[f"{kind}_amount"] += rating.amount
    result.bills = dict(bills)
    return result


def _payers(legs: list[tuple[Cdr, bool]]) -> dict[str, str]:
    """recordId → whose bill, for the legs of multi-leg calls (those that carry a linkedId)."""
    calls: dict[str, list[Leg]] = defaultdict(list)
    for cdr, answered in legs:
        if cdr.linked_id is None or cdr.end_time is None:
            continue
        calls[cdr.linked_id].append(Leg(
            cdr.record_id, cdr.call_id, cdr.linked_id, cdr.leg_sequence, cdr.calling_party.subscriber_id,
            cdr.call_direction.value, cdr.calling_party.number, cdr.called_party.number, _ms(cdr.start_time),
            _ms(cdr.answer_time) if answered and cdr.answer_time else None, _ms(cdr.end_time),
            cdr.called_party.subscriber_id))
    return {charged.record_id: charged.billed_to for call in calls.values() for charged in attribute(call).legs}


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def compare(expected: Mapping[Key, Mapping[str, Any]], actual: Mapping[Key, Mapping[str, Any]]) -> list[Difference]:
    differences = []
    for key in sorted(set(expected) | set(actual)):
        if key not in actual:
            differences.append(Difference(key, "bill", "present", "missing"))
            continue
        if key not in expected:
            differences.append(Difference(key, "bill", "none", "present"))
            continue
        for figure in (*COUNTS, *MONEY):
            want, got = expected[key][figure], actual[key].get(figure)
            if figure in MONEY:
                want, got = Decimal(want), None if got is None else Decimal(str(got))
            elif figure in COUNTS:
                got = None if got is None else int(got)
            if want != got:
                differences.append(Difference(key, figure, want, got))
    return differences


def bill_key(row: Mapping[str, Any]) -> Key:
    return row["subscriber_id"], row["bill_month"], row["currency"]


def replay_bills(directory: Path) -> dict[Key, dict[str, Any]]:
    import pyarrow.parquet as pq

    rows = pq.read_table(directory / "billing_monthly").to_pylist()
    return {bill_key(row): row for row in rows}


def dynamodb_bills(client: Any, table: str, month: str | None = None) -> dict[Key, dict[str, Any]]:
    """Every bill of the table, or of one month."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    bills = {}
    only = {"FilterExpression": "bill_month = :m", "ExpressionAttributeValues": {":m": {"S": month}}} if month else {}
    for page in client.get_paginator("scan").paginate(TableName=table, **only):
        for raw in page["Items"]:
            item = {name: deserializer.deserialize(value) for name, value in raw.items()}
            bills[bill_key(item)] = item
    return bills


@dataclass
class Report:
    expected: Expected
    differences: list[Difference] = field(default_factory=list)

    def lines(self, limit: int = 50) -> list[str]:
        e = self.expected
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for (_, _, currency), bill in e.bills.items():
            totals[currency] += bill["total"]
        out = [str(d) for d in self.differences[:limit]]
        if len(self.differences) > limit:
            out.append(f"... and {len(self.differences) - limit} more differences")
        out.append(f"CDRs read: {e.records:,} (rejected as invalid: {e.rejected:,}); final legs rated: "
                   f"{e.rated_legs:,}, unrated: {e.unrated_legs:,}")
        billed = ", ".join(f"{total} {currency}" for currency, total in sorted(totals.items())) or "nothing"
        out.append(f"Bills expected: {len(e.bills):,}, total billed {billed}")
        out.append(f"Differences: {len(self.differences)}"
                   + (" — every bill matches." if not self.differences else ""))
        return out


def reconcile(cdrs: Path, actual: Mapping[Key, Mapping[str, Any]], billing: job_config.BillingConfig) -> Report:
    expected = expected_bills(read_lines(Location.of(cdrs)), billing)
    return Report(expected, compare(expected.bills, actual))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.reconcile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cdrs", type=Path, required=True, help="CDR file or folder (JSONL or Parquet)")
    parser.add_argument("--properties", type=Path, help="application_properties.json (CdrBilling group)")
    parser.add_argument("--tariffs", type=Path,
                        help="a tariff folder (or single-tariff CSV) (overrides CdrBilling.tariffs)")
    parser.add_argument("--tax-rate", help="tax rate (overrides CdrBilling.tax.rate)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--replay-dir", type=Path, help="a replay's output folder (DIR/billing_monthly/)")
    target.add_argument("--dynamodb-table", help="the streaming job's billing table")
    parser.add_argument("--endpoint", help="DynamoDB endpoint (a local emulator)")
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    try:
        config = job_config.load_replay(args.properties).with_billing(args.tariffs, args.tax_rate)
    except job_config.ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.replay_dir:
        actual = replay_bills(args.replay_dir)
    else:
        import boto3

        actual = dynamodb_bills(boto3.client("dynamodb", region_name=args.region, endpoint_url=args.endpoint),
                                args.dynamodb_table)
    report = reconcile(args.cdrs, actual, config.billing)
    print("\n".join(report.lines()))
    return 1 if report.differences else 0


if __name__ == "__main__":
    sys.exit(main())
