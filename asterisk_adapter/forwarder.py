"""Forwards an Asterisk CDR or CEL file to the CDR Kinesis stream, following it like `tail -F`.

    python -m asterisk_adapter.forwarder --file /var/log/asterisk/cdr-csv/Master.csv \\
        --config forwarder.json --state /var/lib/cdr-forwarder [--format csv|json|cel|cel-csv] \\
        [--once] [--aggregate] [--cel-idle-hours 4]

Each complete line is converted (asterisk_adapter.cdr) and put on the stream named by the
forwarder's own configuration (asterisk_adapter/settings.py), in batches (PutRecords, failed
records retried). After a batch is on the stream the position (file inode and byte offset) is
written to the state folder, atomically, so a restart resumes after the last line sent:
nothing lost, nothing sent again. (A crash between a put and its position write sends that one
batch again; its recordIds are those of the first send, and the job's deduplication drops
them.) Lines that cannot be converted go, with their reason, to `dead-letters.jsonl` in the
state folder and — when the configuration names one (`dead_letter_store`) — to the job's S3
dead-letter store, in its columns, where `python -m ops.dead_letters` counts and lists them
with the rest. The configuration's `pbx` holds AsteriskConfig fields (zone, country,
extension template, trunk prefixes, cdr.conf columns). It needs boto3 and pyarrow, not
apache-flink. `--once` stops at the end of the file instead of following it; `--aggregate`
packs the CDRs of a batch in KPL aggregates (stream_io.kinesis_writer), ~70 to a Kinesis
record: far fewer PUT units and shard records per CDR, which the job unpacks.

CEL (`--format cel`: cel_custom's JSON; `cel-csv`: its CSV, advanced field list) gives a
call's records only when the call is over (asterisk_adapter.cel), so the saved position is
the first event of the oldest call still open, with the count of lines after it already
forwarded: a restart reads those lines again for their events but sends nothing twice, and
no open call loses its beginning. A call with no event for `--cel-idle-hours` (its
LINKEDID_END never came) is sent as far as its events go.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from asterisk_adapter.cdr import AsteriskConfig, AsteriskLineError, parse_csv_line, parse_json_line
from asterisk_adapter.cel import CelCalls, CelEvent, Converted, cdr_records, parse_cel_csv_line, parse_cel_json_line
from asterisk_adapter.tail import Line, Position, Tail
from stream_io.kinesis_writer import KinesisWriter

STATE_FILE = "position.json"
DEAD_LETTERS_FILE = "dead-letters.jsonl"


@dataclass
class Counts:
    sent: int = 0
    dead: int = 0
    batches: int = 0


class Converter(Protocol):
    @property
    def replaying(self) -> bool:
        """Whether the next line was forwarded already (a restart reading it again)."""
        ...

    def convert(self, line: Line) -> list[Converted]:
        """What this line completes: (source, record) or (source, why it is none) each."""
        ...

    def resume(self, last: Line) -> tuple[Position, int]:
        """Where a restart reads from once `last` is forwarded, and how many lines from there
        it has forwarded already."""
        ...


@dataclass
class CdrLines:
    """cdr_csv or cdr_custom: each line is one record, so a restart resumes after the last."""

    parse: Callable[[str], dict[str, Any]]
    replaying: bool = False

    def convert(self, line: Line) -> list[Converted]:
        try:
            return [(line.text, self.parse(line.text))]
        except AsteriskLineError as error:
            return [(line.text, error)]

    def resume(self, last: Line) -> tuple[Position, int]:
        return last.after, 0


@dataclass
class CelLines:
    """CEL events, a call's records when it is over. `replayed`: the lines, from where reading
    starts, that an earlier run forwarded: fed for their events, their output not sent again."""

    parse: Callable[[str], CelEvent]
    config: AsteriskConfig
    replayed: int = 0
    idle: timedelta = timedelta(hours=4)
    calls: CelCalls = field(default_factory=CelCalls)
    _read: int = 0
    _minute: int | None = None

    @property
    def replaying(self) -> bool:
        return self._read < self.replayed

    def convert(self, line: Line) -> list[Converted]:
        index, self._read = self._read, self._read + 1
        try:
            event = self.parse(line.text)
        except AsteriskLineError as error:
            converted: list[Converted] = [(line.text, error)]
        else:
            start = Position(line.after.device, line.after.inode, line.start)
            cdrs = self.calls.add(event, (index, start))
            # A look for idle calls at each new minute of event time: at the same lines whatever
            # line a run started from, so a restart's replayed lines expire what the run before
            # them did, at the same place.
            minute = int(event.time.timestamp() // 60)
            if minute != self._minute:
                cdrs += self.calls.expire(event.time - self.idle)
                self._minute = minute
            converted = list(cdr_records(cdrs, self.config))
        return converted if index >= self.replayed else []

    def resume(self, last: Line) -> tuple[Position, int]:
        oldest = self.calls.oldest_mark
        if oldest is None:
            return last.after, 0
        return oldest[1], max(self._read, self.replayed) - oldest[0]


@dataclass
class Forwarder:
    tail: Tail
    writer: KinesisWriter
    state: Path
    converter: Converter
    store_dead_letters: Callable[[list[dict[str, Any]]], None] | None = None
    batch_size: int = 500
    counts: Counts = field(default_factory=Counts)

    def step(self) -> bool:
        """One batch: up to batch_size lines (after those a restart reads again, which send
        nothing), converted and put, then the position recorded. False when nothing was there."""
        dead, sent, last, fresh = [], 0, None, False
        while not fresh:
            lines = list(self.tail.lines(self.batch_size))
            if not lines:
                break
            last = lines[-1]
            for line in lines:
                if not line.text.strip():
                    continue
                fresh = fresh or not self.converter.replaying
                for source, result in self.converter.convert(line):
                    if isinstance(result, AsteriskLineError):
                        dead.append(_dead_letter(line, source, result))
                        continue
                    self.writer.put(json.dumps(result, separators=(",", ":")).encode(),
                                    result["callingParty"]["subscriberId"])
                    sent += 1
        if last is None:
            return False
        self.writer.flush()
        if dead:
            with (self.state / DEAD_LETTERS_FILE).open("a", encoding="utf-8") as out:
                out.writelines(json.dumps(row) + "\n" for row in dead)
            if self.store_dead_letters is not None:
                self.store_dead_letters(dead)
        save_position(self.state, *self.converter.resume(last))
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


def _dead_letter(line: Line, source: str, error: AsteriskLineError) -> dict[str, Any]:
    """`source`: the line, or (CEL) the leg that the line completed and is not a record."""
    received = datetime.now(UTC)
    return {"raw_record": source, "reason": str(error.reason), "detail": error.detail, "record_id": None,
            "source_stream": f"asterisk:{line.path}", "source_partition": line.path,
            "source_offset": str(line.start), "ingest_time": received.isoformat(timespec="milliseconds"),
            "dt": received.date().isoformat()}


def load_position(state: Path) -> tuple[Position | None, int]:
    """The saved position and how many lines from it were forwarded already (CEL)."""
    path = state / STATE_FILE
    if not path.exists():
        return None, 0
    saved = json.loads(path.read_text())
    replayed = saved.pop("replayed_lines", 0)
    return Position(**saved), replayed


def save_position(state: Path, position: Position, replayed: int = 0) -> None:
    """Written whole or not at all: a temporary file, synced, renamed over the old one."""
    temporary = state / (STATE_FILE + ".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        json.dump({**asdict(position), "replayed_lines": replayed}, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, state / STATE_FILE)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m asterisk_adapter.forwarder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, required=True, help="Master.csv (cdr_csv), a cdr_custom or a CEL file")
    parser.add_argument("--format", choices=("csv", "json", "cel", "cel-csv"), default="csv",
                        help="cdr_csv, cdr_custom JSON, cel_custom JSON or cel_custom CSV")
    parser.add_argument("--config", type=Path, required=True, help="the forwarder's JSON settings (see above)")
    parser.add_argument("--state", type=Path, required=True, help="folder for the position and dead letters")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--once", action="store_true", help="stop at the end of the file")
    parser.add_argument("--aggregate", action="store_true", help="pack CDRs in KPL aggregates")
    parser.add_argument("--cel-idle-hours", type=float, default=4.0,
                        help="CEL: send a call with no event for this long as far as its events go")
    return parser.parse_args(argv)


def converter(file_format: str, pbx: AsteriskConfig, replayed: int = 0, idle: timedelta = timedelta(hours=4)) \
        -> Converter:
    """The converter of a --format, resuming with `replayed` lines already forwarded (CEL)."""
    if file_format == "cel":
        return CelLines(lambda text: parse_cel_json_line(text, pbx), pbx, replayed, idle)
    if file_format == "cel-csv":
        return CelLines(lambda text: parse_cel_csv_line(text, pbx), pbx, replayed, idle)
    parse = parse_csv_line if file_format == "csv" else parse_json_line
    return CdrLines(lambda text: parse(text, pbx))


def run(args: argparse.Namespace) -> Counts:
    import boto3

    from asterisk_adapter import settings
    from stream_io.dead_letter_store import write_to_store

    config = settings.load(args.config)
    args.state.mkdir(parents=True, exist_ok=True)
    kinesis = boto3.client("kinesis", region_name=config.region, endpoint_url=config.kinesis_endpoint or None)
    position, replayed = load_position(args.state)

    def to_store(rows: list[dict[str, Any]]) -> None:
        if config.dead_letter_store:
            write_to_store(rows, config.dead_letter_store, region=config.region, endpoint=config.s3_endpoint)

    forwarder = Forwarder(
        Tail(args.file, position), KinesisWriter(kinesis, config.stream_arn, aggregate=args.aggregate), args.state,
        converter(args.format, config.pbx, replayed, timedelta(hours=args.cel_idle_hours)), to_store,
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
