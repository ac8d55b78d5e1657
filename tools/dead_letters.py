"""The S3 dead-letter store, for operators: count, list, export, and re-inject once fixed.

    python -m tools.dead_letters --properties app.json count [--from 2026-11-01] [--to 2026-11-30]
    python -m tools.dead_letters --properties app.json list --reason NOT_JSON [--limit 20]
    python -m tools.dead_letters --properties app.json export --reason INVALID_NUMBER --out fix.jsonl
    (edit fix.jsonl: one record per line)
    python -m tools.dead_letters --properties app.json reinject fix.jsonl [--dry-run]

The store is where the job writes it (CdrSinks.dead-letter-store.path, dt= partitions). A
re-injected line is checked first with the same rules as the job (domain.cdr): only records that
now keep the contract are put on the stream (CdrSource.stream.arn); the others are reported
with their reason and not sent. Legs no tariff prices (UNRATED_DESTINATION) are valid records:
they are fixed by rerating (replay --tariffs), not by re-injection, so export leaves them out.
Listing never prints more of a record than its first 80 characters.
"""

from __future__ import annotations

import argparse
import collections
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from pyarrow import fs

from domain.cdr import validate_record
from jobs import config as job_config
from tools.generate import put_stream

RERATE_ONLY = frozenset({"UNRATED_DESTINATION"})


def _location(path: str, region: str, endpoint: str) -> tuple[fs.FileSystem, str]:
    """The file system and folder of an s3:// (or file://) folder URI."""
    location = urlparse(path)
    if location.scheme == "file":
        return fs.LocalFileSystem(), location.path
    endpoint_url = urlparse(endpoint) if endpoint else None
    filesystem = fs.S3FileSystem(
        region=region,
        endpoint_override=endpoint_url.netloc if endpoint_url else None,
        scheme=endpoint_url.scheme if endpoint_url else "https")
    return filesystem, f"{location.netloc}{location.path}"


def open_store(path: str, *, region: str, endpoint: str = "") -> ds.Dataset:
    """The dead-letter store at an s3:// (or file://) folder URI, dt partitions as a column."""
    filesystem, folder = _location(path, region, endpoint)
    return ds.dataset(folder, filesystem=filesystem, format="parquet", partitioning="hive")


STORE_SCHEMA = pa.schema([("raw_record", pa.string()), ("reason", pa.string()), ("detail", pa.string()),
                          ("record_id", pa.string()), ("source_stream", pa.string()),
                          ("source_partition", pa.string()), ("source_offset", pa.string()),
                          ("ingest_time", pa.timestamp("ms", tz="UTC"))])


def write_to_store(rows: list[dict[str, Any]], path: str, *, region: str, endpoint: str = "") -> None:
    """Dead letters found outside the job (the Asterisk forwarder's) into the same store, in its
    columns and dt= partitions: one Parquet file per call and date."""
    filesystem, folder = _location(path, region, endpoint)
    for day in sorted({row["dt"] for row in rows}):
        table = pa.Table.from_pylist(
            [{**row, "ingest_time": datetime.fromisoformat(row["ingest_time"])} for row in rows if row["dt"] == day],
            schema=STORE_SCHEMA)
        filesystem.create_dir(f"{folder}/dt={day}", recursive=True)
        pq.write_table(table, f"{folder}/dt={day}/asterisk-{uuid.uuid4().hex}.parquet", filesystem=filesystem,
                       compression="zstd")


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


def _store(config: job_config.JobConfig) -> ds.Dataset:
    assert config.sinks is not None
    return open_store(config.sinks.dead_letter_store_path, region=config.sinks.region,
                      endpoint=config.sinks.s3_endpoint)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.dead_letters", description=__doc__,
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
    try:
        config = job_config.load(args.properties, streaming=True)
    except job_config.ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "reinject":
        assert config.source is not None
        client = boto3.client("kinesis", region_name=config.source.region, endpoint_url=config.source.endpoint)
        with args.file.open(encoding="utf-8") as handle:
            lines = [line.rstrip("\n") for line in handle]
        sent, refused = reinject(lines, client, config.source.stream_arn, dry_run=args.dry_run)
        print(f"{'would put' if args.dry_run else 'put'} {sent} record(s) on {config.source.stream_arn}")
        for item in refused:
            print(f"  line {item.line_number}: still {item.reason}: {item.detail}")
        return 1 if refused else 0
    store = _store(config)
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
