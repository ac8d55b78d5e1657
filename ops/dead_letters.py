"""The S3 dead-letter store, for operators: count, list, export, and re-inject once fixed.

    python -m ops.dead_letters --properties app.json count [--from 2026-11-01] [--to 2026-11-30]
    python -m ops.dead_letters --properties app.json list --reason NOT_JSON [--limit 20]
    python -m ops.dead_letters --properties app.json export --reason INVALID_NUMBER --out fix.jsonl
    (edit fix.jsonl: one record per line)
    python -m ops.dead_letters --properties app.json reinject fix.jsonl [--dry-run]

The store is where the job writes it (CdrSinks.dead-letter-store.path, dt= partitions). A
re-injected line is checked first with the same rules as the job (domain.cdr): only records that
now keep the contract are put on the stream (CdrSource.stream.arn); the others are reported
with their reason and not sent. Legs no plan prices (UNRATED_DESTINATION, NO_PLAN_IN_FORCE) are valid records:
they are fixed by rerating (replay --tariffs), not by re-injection, so export leaves them out.
Listing never prints more of a record than its first 80 characters.
"""

from __future__ import annotations

import argparse
import collections
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pyarrow.compute as pc
import pyarrow.dataset as ds

from domain.cdr import validate_record
from jobs import config as job_config
from stream_io.dead_letter_store import open_store
from stream_io.kinesis_writer import put_stream

RERATE_ONLY = frozenset({"UNRATED_DESTINATION", "NO_PLAN_IN_FORCE"})  # valid legs: rerate, not re-inject


def _filter(date_from: date | None, date_to: date | None, reasons: Iterable[str] = ()) -> Any:
    condition = pc.scalar(True)
    if date_from is not None:
        condition &= ds.field("dt") >= date_from.isoformat()
    if date_to is not None:
        condition &= ds.field("dt") <= date_to.isoformat()
    wanted = list(reasons)
    if wanted:
        condition &= ds.field("reason").isin(wanted)
    return condition


def count_by_reason(store: ds.Dataset, date_from: date | None = None,
                    date_to: date | None = None) -> collections.Counter[str]:
    """Dead letters per reason code in the date range (inclusive, UTC dates received)."""
    reasons = store.to_table(columns=["reason"], filter=_filter(date_from, date_to)).column("reason")
    return collections.Counter(reasons.to_pylist())


def select(store: ds.Dataset, reasons: Iterable[str], date_from: date | None = None,
           date_to: date | None = None) -> list[dict[str, Any]]:
    """The dead letters of the given reasons, oldest first."""
    rows = store.to_table(filter=_filter(date_from, date_to, reasons)).to_pylist()
    return sorted(rows, key=lambda row: (row["ingest_time"], row["source_partition"] or "", row["source_offset"] or ""))


@dataclass(frozen=True)
class Refused:
    line_number: int
    reason: str
    detail: str


def reinject(lines: Iterable[str], client: Any, stream_arn: str, *, dry_run: bool = False
             ) -> tuple[int, list[Refused]]:
    """Puts the lines that now pass validation on the stream; returns how many, and the refused."""
    accepted: list[str] = []
    refused: list[Refused] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        verdict = validate_record(line)
        if verdict.reason is None:
            accepted.append(line)
        else:
            refused.append(Refused(number, str(verdict.reason), verdict.detail or ""))
    if accepted and not dry_run:
        put_stream(accepted, client, stream_arn)
    return len(accepted), refused


def _store(sinks: job_config.SinkConfig) -> ds.Dataset:
    return open_store(sinks.dead_letter_store_path, region=sinks.region, endpoint=sinks.s3_endpoint)


def _reinject(path: Path, source: job_config.SourceConfig, *, dry_run: bool) -> int:
    client = boto3.client("kinesis", region_name=source.region, endpoint_url=source.endpoint)
    with path.open(encoding="utf-8") as handle:
        lines = [line.rstrip("\n") for line in handle]
    sent, refused = reinject(lines, client, source.stream_arn, dry_run=dry_run)
    print(f"{'would put' if dry_run else 'put'} {sent} record(s) on {source.stream_arn}")
    for item in refused:
        print(f"  line {item.line_number}: still {item.reason}: {item.detail}")
    return 1 if refused else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.dead_letters", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--properties", type=Path, required=True, help="the job's application_properties.json")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("count", "list", "export"):
        command = commands.add_parser(name)
        command.add_argument("--from", dest="date_from", type=date.fromisoformat, help="first date (UTC)")
        command.add_argument("--to", dest="date_to", type=date.fromisoformat, help="last date (UTC)")
        if name != "count":
            command.add_argument("--reason", action="append", required=name == "export", default=[],
                                 help="a reason code (repeatable)")
    commands.choices["list"].add_argument("--limit", type=int, default=20)
    commands.choices["export"].add_argument("--out", type=Path, required=True, help="JSON Lines file to write")
    again = commands.add_parser("reinject")
    again.add_argument("file", type=Path, help="JSON Lines: one fixed record per line")
    again.add_argument("--dry-run", action="store_true", help="check only, put nothing")
    args = parser.parse_args(argv)
    try:  # only the group a command uses: no tariffs or rules are loaded
        if args.command == "reinject":
            return _reinject(args.file, job_config.load_group(job_config.SourceConfig, args.properties),
                             dry_run=args.dry_run)
        store = _store(job_config.load_group(job_config.SinkConfig, args.properties))
    except job_config.ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "count":
        counts = count_by_reason(store, args.date_from, args.date_to)
        for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            print(f"{reason:<24} {count:>10,}")
        print(f"{'total':<24} {sum(counts.values()):>10,}")
        return 0
    rows = select(store, args.reason, args.date_from, args.date_to)
    if args.command == "list":
        for row in rows[:args.limit]:
            raw = (row["raw_record"] or "")[:80]
            print(f"{row['ingest_time']:%Y-%m-%d %H:%M:%S} {row['reason']:<20} "
                  f"{row['source_partition']}/{row['source_offset']}  {row['detail']}\n    {raw}")
        print(f"{len(rows):,} dead letter(s)" + (f", first {args.limit} shown" if len(rows) > args.limit else ""))
        return 0
    kept = [row for row in rows if row["reason"] not in RERATE_ONLY]
    with args.out.open("w", encoding="utf-8") as out:
        out.writelines(row["raw_record"].replace("\n", " ") + "\n" for row in kept)
    print(f"wrote {len(kept):,} record(s) to {args.out}"
          + (f"; {len(rows) - len(kept):,} unrated leg(s) left out: rerate them with "
             "`python -m jobs.cdr_pipeline replay --tariffs`" if len(kept) < len(rows) else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
