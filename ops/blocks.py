"""The fraud desk's block list: list, add and lift the blocks the PBX enforces.

    python -m ops.blocks --properties app.json list [--all]
    python -m ops.blocks --properties app.json add (--subscriber ID | --number +E164) --reason TEXT --by NAME
                         [--for "24 h" | --until 2026-12-31T00:00:00Z]
    python -m ops.blocks --properties app.json lift (--subscriber ID | --number +E164) --by NAME

The table is the job's (CdrSinks fraud-blocks.table in its application_properties.json). The
job adds blocks on CRITICAL alerts of rules whose action is `block` and never lifts one; this
command is how a block ends early (a lifted block of the job's returns only with a new alert).
`list` shows the blocks in force, `--all` the expired ones DynamoDB's TTL has not removed yet.
Without --for or --until a hand-made block lasts until lifted. Who added or lifted a block is
printed and, for an addition, kept in the item (blocked_by).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.blocklist import Block, Kind, target_of
from domain.fraud_rules import parse_duration
from domain.numbering import normalise
from jobs import config as job_config
from ops.job_tables import job_tables
from stream_io.block_table import format_time, lift_block, put_block, scan_blocks

MANUAL = "MANUAL"


def list_blocks(client: Any, table: str, now_ms: int, include_expired: bool = False) -> list[Block]:
    blocks = [block for block in scan_blocks(client, table) if include_expired or block.in_force(now_ms)]
    return sorted(blocks, key=lambda block: block.blocked_at_ms, reverse=True)


def manual_block(kind: Kind, value: str, reason: str, by: str, now_ms: int, until_ms: int | None) -> Block:
    if kind is Kind.NUMBER:
        value = normalise(value, None)
    if until_ms is not None and until_ms <= now_ms:
        raise ValueError(f"the block would end before it starts ({format_time(until_ms)})")
    return Block(kind, value, reason, MANUAL, None, now_ms, until_ms, by)


def _target(args: argparse.Namespace) -> tuple[Kind, str]:
    return (Kind.SUBSCRIBER, args.subscriber) if args.subscriber else (Kind.NUMBER, args.number)


def _until(args: argparse.Namespace, now_ms: int) -> int | None:
    if args.until:
        return int(datetime.fromisoformat(args.until.replace("Z", "+00:00")).astimezone(UTC).timestamp() * 1000)
    return now_ms + parse_duration(args.duration) if args.duration else None


def _show(block: Block) -> str:
    until = format_time(block.expires_at_ms) if block.expires_at_ms is not None else "until lifted"
    return (f"{block.target:<32} {format_time(block.blocked_at_ms)} → {until:<24} {block.rule:<22} "
            f"by {block.blocked_by}: {block.reason}" + (f" (alert {block.alert_id})" if block.alert_id else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.blocks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--properties", type=Path, required=True, help="the job's application_properties.json")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the blocks in force").add_argument("--all", action="store_true")
    for name in ("add", "lift"):
        command = commands.add_parser(name)
        who = command.add_mutually_exclusive_group(required=True)
        who.add_argument("--subscriber")
        who.add_argument("--number", help="E.164, e.g. +2348031234567")
        command.add_argument("--by", required=True, help="who does it (kept and printed)")
    add = commands.choices["add"]
    add.add_argument("--reason", required=True)
    ends = add.add_mutually_exclusive_group()
    ends.add_argument("--for", dest="duration", help='how long, e.g. "24 h", "7 d"')
    ends.add_argument("--until", help="UTC, ISO 8601")
    args = parser.parse_args(argv)
    try:
        sinks, client = job_tables(args.properties)
    except job_config.ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    table, now_ms = sinks.fraud_blocks_table, int(time.time() * 1000)
    if args.command == "list":
        blocks = list_blocks(client, table, now_ms, args.all)
        for block in blocks:
            print(_show(block))
        print(f"{len(blocks)} block(s)" + (" in force" if not args.all else ""))
        return 0
    kind, value = _target(args)
    try:
        if args.command == "lift":
            target = target_of(kind, normalise(value, None) if kind is Kind.NUMBER else value)
            lifted = lift_block(client, table, target)
            print(f"lifted by {args.by}: {_show(lifted)}" if lifted else f"no block on {target}")
            return 0 if lifted else 1
        block = manual_block(kind, value, args.reason, args.by, now_ms, _until(args, now_ms))
    except ValueError as error:  # a number that is not E.164, a duration or time that does not read
        print(f"error: {error}", file=sys.stderr)
        return 2
    put_block(client, table, block)
    print(f"added: {_show(block)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
