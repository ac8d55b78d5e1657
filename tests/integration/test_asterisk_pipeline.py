"""Asterisk's CDRs through the job. A replay of every scenario fixture gives the hand-worked
logical calls and charges (tests/unit/test_asterisk_cdr.py's EXPECTED), usage that counts
each call once per subscriber and bills with each leg on its payer's bill; the streaming job
fed by the forwarder from a Master.csv (as KPL aggregates) and from a CEL file keeps the same
counts, and the lines the forwarder refused are in the S3 dead-letter store, whole, with
their reasons."""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from asterisk_adapter import cel, forwarder
from asterisk_adapter.cdr import AsteriskConfig, AsteriskLineError, parse_csv_line
from domain.legs import Charge
from jobs.cdr_pipeline import run_replay, run_stream
from local.local_aws import DUMMY_CREDENTIALS, REGION, LocalAws, Resources
from stream_io import dead_letter_store
from synthetic.asterisk_sample import BAD_LINES, sample
from tests.unit.test_asterisk_cdr import CONFIG, EXPECTED, FIXTURES
from tests.unit.test_forwarder import CEL_LINES


def calls_per_subscriber(records: list[dict[str, Any]]) -> dict[str, int]:
    """Independently: the distinct linkedIds each subscriber has a leg in."""
    calls: dict[str, set[str]] = collections.defaultdict(set)
    for record in records:
        calls[record["callingParty"]["subscriberId"]].add(record.get("linkedId") or record["callId"])
    return {subscriber: len(ids) for subscriber, ids in calls.items()}


def billed_to(records: list[dict[str, Any]]) -> dict[str, str]:
    """recordId → whose bill: the hand-worked payer of a redirected leg, else the leg's own subscriber."""
    by_call: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for record in records:
        by_call[record["linkedId"]].append(record)
    billed = {}
    for linked, legs in by_call.items():
        charges = next(calls[linked][2] for calls in EXPECTED.values() if linked in calls)
        for record, (who, why) in zip(sorted(legs, key=lambda r: r["legSequence"]), charges, strict=True):
            own = record["callingParty"]["subscriberId"]
            billed[record["recordId"]] = who if why is Charge.REDIRECTING_PARTY else own
    return billed


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_replay_of_every_scenario_gives_the_hand_worked_calls(tmp_path: Path) -> None:
    records = [parse_csv_line(line, CONFIG) for scenario in sorted(EXPECTED)
               for line in (FIXTURES / f"{scenario}.csv").read_text().splitlines()]
    cdrs = tmp_path / "asterisk.jsonl"
    cdrs.write_text("".join(json.dumps(record) + "\n" for record in records))
    run_replay(cdrs, tmp_path / "out", None)
    rows = pq.read_table(tmp_path / "out" / "logical_calls").to_pylist()
    actual = {row["linked_id"]: (row["answered"], float(row["conversation_seconds"]),
                                 [(leg["charged_to"], leg["charge"]) for leg in json.loads(row["legs"])])
              for row in rows}
    expected = {linked: (answered, float(seconds), [(who, str(why)) for who, why in legs])
                for calls in EXPECTED.values() for linked, (answered, seconds, legs) in calls.items()}
    assert actual == expected
    usage = pq.read_table(tmp_path / "out" / "usage_hourly").to_pylist()
    legs, logical = collections.Counter(), collections.Counter()
    for row in usage:
        legs[row["subscriber_id"]] += row["calls"]
        logical[row["subscriber_id"]] += row["logical_calls"]
    assert dict(logical) == calls_per_subscriber(records)
    assert dict(legs) == collections.Counter(record["callingParty"]["subscriberId"] for record in records)
    # Alice: 15 legs in 10 calls (simple, no answer, busy, parallel dial (2 legs), blind transfer (2),
    # attended transfer (2), forward (2), three-way, conference, park (2)) — legs would say 15.
    assert (legs["alice"], logical["alice"]) == (15, 10)
    # Billing is per charged leg: the hand-worked payer of a forwarded or transferred leg gets it.
    billed = billed_to(records)
    assert billed["1793701200.10-11:STOP"] == "bob"  # Alice's leg to Charlie after Bob's blind transfer
    bills = {row["subscriber_id"]: (row["calls"], row["answered_calls"], row["talk_seconds"], row["amount"])
             for row in pq.read_table(tmp_path / "out" / "billing_monthly").to_pylist()}
    price = {row["record_id"]: row["amount"] for row in pq.read_table(tmp_path / "out" / "rated_calls").to_pylist()}
    expected_bills: dict[str, list] = collections.defaultdict(lambda: [0, 0, 0, Decimal(0)])
    for record in records:
        bill = expected_bills[billed[record["recordId"]]]
        bill[0] += 1
        if "answerTime" in record:
            bill[1] += 1
            bill[2] += round((instant(record["endTime"]) - instant(record["answerTime"])).total_seconds())
        bill[3] += price[record["recordId"]]
    assert bills == {subscriber: tuple(bill) for subscriber, bill in expected_bills.items()}
    assert bills["bob"][0] == 3 + 3  # his own 3 legs + the blind transfer, attended transfer and forward


# The forwarder's command as on a PBX host: the job's packages, Flink, and every package
# requirements/forwarder.txt does not name made unimportable.
WITHOUT_FLINK = ("import sys\n"
                 "for name in ('pyflink', 'jobs', 'ops', 'local', 'synthetic', 'pydantic', 'yaml'):\n"
                 "    sys.modules[name] = None\n"
                 "from asterisk_adapter.forwarder import main\n"
                 "sys.exit(main(sys.argv[1:]))")


def test_streaming_from_a_master_csv_via_the_forwarder(tmp_path: Path) -> None:
    master = tmp_path / "Master.csv"
    lines = sample(120, seed=11) + list(BAD_LINES)
    master.write_text("".join(line + "\n" for line in lines))
    records = [parse_csv_line(line, AsteriskConfig()) for line in lines[:-len(BAD_LINES)]]
    resources = Resources(stream="cdr-asterisk", bucket="cdr-asterisk-archive", timestream_database="cdr_asterisk")
    with LocalAws.start(resources) as aws:
        properties = aws.write_properties(tmp_path / "app.json", bounded=True)
        config = aws.write_forwarder_config(tmp_path / "forwarder.json")
        # As on a PBX host: a Python without apache-flink (nor the job's packages).
        forwarded = subprocess.run(
            [sys.executable, "-c", WITHOUT_FLINK, "--file", str(master), "--config", str(config),
             "--state", str(tmp_path / "state"), "--once", "--batch-size", "50", "--aggregate"],
            capture_output=True, text=True, timeout=300, env={**os.environ, **DUMMY_CREDENTIALS},
            cwd=Path(__file__).resolve().parents[2])
        assert forwarded.returncode == 0, forwarded.stderr
        assert f"forwarded {len(records):,} CDRs" in forwarded.stdout and f"{len(BAD_LINES):,} dead letters" in \
            forwarded.stdout, forwarded.stdout
        # The ten scenarios' events in time order, as a PBX logs them, the day after the Master.csv
        # (sent after it, they would be late for its hourly windows otherwise).
        events = sorted(map(json.loads, CEL_LINES), key=lambda event: float(event["EventTime"]))
        cel_lines = [json.dumps({**event, "EventTime": f"{float(event['EventTime']) + 86_400:.6f}"})
                     for event in events]
        cel_file = tmp_path / "cel.jsonl"
        cel_file.write_text("".join(line + "\n" for line in cel_lines))
        cel_records = [record for _, record in cel.convert(cel_lines, AsteriskConfig())
                       if not isinstance(record, AsteriskLineError)]
        counts = forwarder.run(forwarder.parse_args(
            ["--file", str(cel_file), "--format", "cel", "--config", str(config),
             "--state", str(tmp_path / "cel-state"), "--once", "--batch-size", "25"]))
        assert (counts.sent, counts.dead) == (len(cel_records), 0)
        records += cel_records
        run_stream(properties)
        calls = aws.scan(aws.resources.logical_calls_table)
        usage = aws.scan(aws.resources.usage_hourly_table)
        store = dead_letter_store.open_store(f"s3://{resources.bucket}/{resources.dead_letter_prefix}",
                                             region=REGION, endpoint=aws.moto_endpoint)
        refused = store.to_table().to_pylist()
    assert len(calls) == len({record["linkedId"] for record in records})
    assert sum(int(item["leg_count"]) for item in calls) == len(records)
    logical = collections.Counter()
    for item in usage:
        logical[item["subscriber_id"]] += int(item["logical_calls"])
    assert dict(logical) == calls_per_subscriber(records)
    assert sorted((row["reason"], row["raw_record"]) for row in refused) == sorted(
        zip(["ASTERISK_BAD_COLUMNS", "ASTERISK_BAD_TIMESTAMP", "ASTERISK_UNKNOWN_DISPOSITION"], BAD_LINES,
            strict=True))
    assert all(row["source_stream"] == f"asterisk:{master}" and row["source_offset"].isdigit() for row in refused)
