"""Generate realistic CDR traffic to a JSON Lines file or a Kinesis stream.

    python -m synthetic.generate --calls 10000 --seed 7 --out cdrs.jsonl
    python -m synthetic.generate --calls 10000 --stream-arn ARN --endpoint http://127.0.0.1:4567 \
        --region us-east-1 --rate 500 [--aggregate]

Deterministic: the same --seed and sizes give the same records.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import TextIO

from stream_io.kinesis_writer import put_stream
from synthetic.call_flows import FLOWS
from synthetic.traffic import TrafficSpec, generate, to_json


class Progress:
    """One self-overwriting status line on stderr, at most a few times a second."""

    def __init__(self, stream: TextIO = sys.stderr):
        self._stream = stream
        self._started = time.monotonic()
        self._shown = 0.0

    def update(self, count: int, final: bool = False) -> None:
        now = time.monotonic()
        if final or now - self._shown > 0.5:
            self._shown = now
            elapsed = max(now - self._started, 1e-9)
            self._stream.write(f"\r{count:,} records, {count / elapsed:,.0f}/s, {elapsed:.1f} s")
            if final:
                self._stream.write("\n")
            self._stream.flush()


def paced(records: Iterable[str], rate: float) -> Iterable[str]:
    """Yields records no faster than `rate` per second (0: as fast as possible)."""
    started = time.monotonic()
    for index, record in enumerate(records):
        if rate > 0:
            ahead = index / rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
        yield record


def write_file(lines: Iterable[str], path: Path, progress: Progress | None = None) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for count, line in enumerate(lines, 1):
            out.write(line + "\n")
            if progress:
                progress.update(count)
    if progress:
        progress.update(count, final=True)
    return count


def spec_from(args: argparse.Namespace) -> TrafficSpec:
    values = {f.name: getattr(args, f.name) for f in fields(TrafficSpec) if getattr(args, f.name, None) is not None}
    if getattr(args, "flow", None):
        values["flow_shares"] = tuple(args.flow)
    return TrafficSpec(**values)


def _flow_share(text: str) -> tuple[str, float]:
    name, _, share = text.partition("=")
    if name not in FLOWS:
        raise argparse.ArgumentTypeError(f"no flow {name!r}; flows: {', '.join(FLOWS)}")
    try:
        return name, float(share)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: the share must be a number (0.01 = 1 % of calls)") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synthetic.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--calls", type=int, default=10_000, help="calls to generate (records are ~1.6x)")
    parser.add_argument("--subscribers", type=int, default=1_000)
    parser.add_argument("--start", type=datetime.fromisoformat, help="first setup time, ISO 8601 with offset")
    parser.add_argument("--hours", type=float, help="time span the calls are spread over")
    parser.add_argument("--duplicate-share", type=float, help="share of records sent twice")
    parser.add_argument("--service-share", type=float, help="share of outgoing calls to service numbers")
    parser.add_argument("--flow", action="append", metavar="NAME=SHARE", type=_flow_share,
                        help=f"share of calls of a multi-leg flow, repeatable (given ones replace the defaults); "
                             f"flows: {', '.join(FLOWS)}")
    parser.add_argument("--rate", type=float, default=0, help="records per second (0: as fast as possible)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", type=Path, help="JSON Lines file to write")
    target.add_argument("--stream-arn", help="Kinesis stream ARN to put records on")
    parser.add_argument("--endpoint", help="Kinesis endpoint (a local emulator)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--aggregate", action="store_true", help="pack records in KPL aggregates")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    lines = paced((to_json(record) for record in generate(spec_from(args))), args.rate)
    progress = None if args.quiet else Progress()
    if args.out:
        write_file(lines, args.out, progress)
    else:
        import boto3

        client = boto3.client("kinesis", region_name=args.region, endpoint_url=args.endpoint)
        put_stream(lines, client, args.stream_arn, progress, args.aggregate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
