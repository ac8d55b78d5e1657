"""The fraud desk's alert lifecycle: list alerts with their status, and set it.

    python -m ops.alerts --properties app.json list [--status OPEN] [--rule RULE] [--limit 50]
    python -m ops.alerts --properties app.json ack|resolve|false-positive|reopen ALERT_ID --by NAME [--note TEXT]
    python -m ops.alerts --properties app.json marks          false positives per rule, as marked

An alert is OPEN until someone acknowledges it, resolves it or marks it a false positive (a
closed alert is reopened first); each change keeps who, when and a note, and the alert's
history. Statuses live in their own table (CdrSinks fraud-alert-status.table), beside the
alerts the job upserts, so an escalation or a replayed alert never wipes a decision. The
dashboard shows them; `marks` (and the dashboard) count the false positives per rule.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from domain.alert_status import AlertStatus, Status, TransitionError, change, marks_by_rule
from jobs import config as job_config
from ops.job_tables import job_tables
from stream_io.alert_status_table import read_status, scan_statuses, write_status
from stream_io.block_table import format_time

COMMANDS = {"ack": Status.ACKNOWLEDGED, "resolve": Status.RESOLVED, "false-positive": Status.FALSE_POSITIVE,
            "reopen": Status.OPEN}


def scan_alerts(client: Any, table: str) -> list[dict[str, str]]:
    """The alerts as text: id, rule, severity, subscriber, detected_at, observed, threshold."""
    rows = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            rows.append({name: str(next(iter(value.values()))) for name, value in item.items()
                         if name in ("alert_id", "rule", "severity", "subscriber_id", "detected_at", "observed",
                                     "threshold")})
    return rows


def set_status(client: Any, table: str, alert_id: str, status: Status, by: str, note: str,
               now_ms: int) -> AlertStatus:
    current = read_status(client, table, alert_id)
    changed = change(current, alert_id, status, by, now_ms, note, format_time(now_ms))
    write_status(client, table, changed, current)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.alerts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--properties", type=Path, required=True, help="the job's application_properties.json")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list")
    listing.add_argument("--status", choices=[s.value for s in Status])
    listing.add_argument("--rule")
    listing.add_argument("--limit", type=int, default=50)
    commands.add_parser("marks")
    for name in COMMANDS:
        command = commands.add_parser(name)
        command.add_argument("alert_id")
        command.add_argument("--by", required=True, help="who decides (kept with the status)")
        command.add_argument("--note", default="")
    args = parser.parse_args(argv)
    try:
        sinks, client = job_tables(args.properties)
    except job_config.ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not sinks.fraud_alert_status_table:
        print("error: CdrSinks.fraud-alert-status.table is not set", file=sys.stderr)
        return 2
    status_table = sinks.fraud_alert_status_table
    if args.command in COMMANDS:
        try:
            changed = set_status(client, status_table, args.alert_id, COMMANDS[args.command], args.by, args.note,
                                 int(time.time() * 1000))
        except TransitionError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(changed.history[-1])
        return 0
    alerts = scan_alerts(client, sinks.fraud_alerts_table)
    statuses = {status.alert_id: status for status in scan_statuses(client, status_table)}
    if args.command == "marks":
        print(f"{'rule':<26} {'alerts':>7} {'reviewed':>9} {'false pos.':>10} {'share':>6}")
        for marks in marks_by_rule(alerts, statuses):
            share = marks.false_positive_share
            print(f"{marks.rule:<26} {marks.alerts:>7} {marks.reviewed:>9} {marks.false_positives:>10} "
                  f"{'–' if share is None else f'{share:.2f}':>6}")
        return 0
    chosen = [alert for alert in sorted(alerts, key=lambda a: a["detected_at"], reverse=True)
              if (args.rule is None or alert["rule"] == args.rule)
              and (args.status is None or _status_of(alert, statuses) == args.status)]
    for alert in chosen[:args.limit]:
        status = statuses.get(alert["alert_id"])
        decided = f" ({status.changed_by}, {format_time(status.changed_at_ms)})" if status else ""
        print(f"{alert['detected_at']} {alert['alert_id']} {alert['rule']:<24} {alert['severity']:<8} "
              f"{alert['subscriber_id']:<16} {_status_of(alert, statuses)}{decided}")
    print(f"{len(chosen)} alert(s)" + (f", first {args.limit} shown" if len(chosen) > args.limit else ""))
    return 0


def _status_of(alert: dict[str, str], statuses: dict[str, AlertStatus]) -> str:
    status = statuses.get(alert["alert_id"])
    return status.status.value if status else Status.OPEN.value


if __name__ == "__main__":
    sys.exit(main())
