"""Forwards an Asterisk CDR file to the CDR Kinesis stream, following it like `tail -F`.

    python -m asterisk_adapter.forwarder --file /var/log/asterisk/cdr-csv/Master.csv \\
        --properties app.json --state /var/lib/cdr-forwarder [--format csv|json] \\
        [--pbx pbx.json] [--once] [--aggregate]

Each complete line is converted (asterisk_adapter.cdr) and put on the stream named by the
job's properties (CdrSource), in batches (PutRecords, failed records retried). After a batch
is on the stream the position (file inode and byte offset) is written to the state folder,
atomically, so a restart resumes after the last line sent: nothing lost, nothing sent again.
(A crash between a put and its position write sends that one batch again; its recordIds are
those of the first send, and the job's deduplication drops them.) Lines that cannot be
converted go, with their reason, to `dead-letters.jsonl` in the state folder and — when the
properties name one (CdrSinks.dead-letter-store.path) — to the job's S3 dead-letter store,
in its columns, where `python -m tools.dead_letters` counts and lists them with the rest.
`--pbx` is a JSON object of AsteriskConfig fields (zone, country, extension template, trunk
prefixes, cdr.conf columns); `--once` stops at the end of the file instead of following it;
`--aggregate` packs the CDRs of a batch in KPL aggregates (tools.kinesis_writer), ~70 to a
Kinesis record: far fewer PUT units and shard records per CDR, which the job unpacks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asterisk_adapter.cdr import AsteriskConfig, AsteriskLineError, parse_csv_line, parse_json_line
from asterisk_adapter.tail import Line, Position, Tail
from tools.kinesis_writer import KinesisWriter

STATE_FILE = "position.json"
DEAD_LETTERS_FILE = "dead-letters.jsonl"


@dataclass
class Counts:
    sent: int = 0
    dead: int = 0
    batches: int = 0


@dataclass
class Forwarder:
    tail: Tail
    writer: KinesisWriter
    state: Path
    parse: Callable[[str], dict[str, Any]]
    store_dead_letters: Callable[[list[dict[str, Any]]], None] | None = None
    batch_size: int = 500
    counts: Counts = field(default_factory=Counts)

    def step(self) -> bool:
        """One batch: convert, put, then record the position. False when nothing was there."""
        batch = list(self.tail.lines(self.batch_size))
        if not batch:
            return False
        dead, sent = [], 0
        for line in batch:
            if not line.text.strip():
                continue
            try:
                record = self.parse(line.text)
            except AsteriskLineError as error:
                dead.append(_dead_letter(line, error))
                continue
            self.writer.put(json.dumps(record, separators=(",", ":")).encode(),
                            record["callingParty"]["subscriberId"])
            sent += 1
        self.writer.flush()
        if dead:
            with (self.state / DEAD_LETTERS_FILE).open("a", encoding="utf-8") as out:
                out.writelines(json.dumps(row) + "\n" for row in dead)
            if self.store_dead_letters is not None:
                self.store_dead_letters(dead)
        save_position(self.state, batch[-1].after)
        self.counts.sent += sent
        self.counts.dead += len(dead)
        self.counts.batches += 1
        return True

    def run(self, follow: bool, poll_s: float = 0.5) -> Counts:
        while True:
            if not self.step():
                if not follow:
                    return self.counts
                time.sleep(poll_s)


def _dead_letter(line: Line, error: AsteriskLineError) -> dict[str, Any]:
    received = datetime.now(UTC)
    return {"raw_record": line.text, "reason": str(error.reason), "detail": error.detail, "record_id": None,
            "source_stream": f"asterisk:{line.path}", "source_partition": line.path,
            "source_offset": str(line.start), "ingest_time": received.isoformat(timespec="milliseconds"),
            "dt": received.date().isoformat()}


def load_position(state: Path) -> Position | None:
    path = state / STATE_FILE
    if not path.exists():
        return None
    return Position(**json.loads(path.read_text()))


def save_position(state: Path, position: Position) -> None:
    """Written whole or not at all: a temporary file, synced, renamed over the old one."""
    temporary = state / (STATE_FILE + ".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        json.dump(asdict(position), out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, state / STATE_FILE)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m asterisk_adapter.forwarder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, required=True, help="Master.csv (cdr_csv) or a cdr_custom file")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--properties", type=Path, required=True, help="the job's application_properties.json")
    parser.add_argument("--state", type=Path, required=True, help="folder for the position and dead letters")
    parser.add_argument("--pbx", type=Path, help="JSON object of AsteriskConfig fields")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--once", action="store_true", help="stop at the end of the file")
    parser.add_argument("--aggregate", action="store_true", help="pack CDRs in KPL aggregates")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> Counts:
    import boto3

    from jobs import config as job_config
    from tools.dead_letters import write_to_store

    pbx = AsteriskConfig.from_mapping(json.loads(args.pbx.read_text())) if args.pbx else AsteriskConfig()
    config = job_config.load(args.properties, streaming=True)
    assert config.source is not None and config.sinks is not None
    sinks = config.sinks
    args.state.mkdir(parents=True, exist_ok=True)
    kinesis = boto3.client("kinesis", region_name=config.source.region, endpoint_url=config.source.endpoint)
    convert = parse_csv_line if args.format == "csv" else parse_json_line
    forwarder = Forwarder(
        Tail(args.file, load_position(args.state)),
        KinesisWriter(kinesis, config.source.stream_arn, aggregate=args.aggregate), args.state,
        lambda text: convert(text, pbx),
        lambda rows: write_to_store(rows, sinks.dead_letter_store_path, region=sinks.region,
                                    endpoint=sinks.s3_endpoint),
        args.batch_size)
    try:
        return forwarder.run(follow=not args.once)
    except KeyboardInterrupt:
        return forwarder.counts


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    counts = run(args)
    print(f"forwarded {counts.sent:,} CDRs in {counts.batches:,} batches; {counts.dead:,} dead letters "
          f"({args.state / DEAD_LETTERS_FILE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
