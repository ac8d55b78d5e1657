"""End to end: generated CDRs on the Kinesis emulator, the job in the minicluster reading them
through the Kinesis connector, results in the DynamoDB emulator through the DynamoDB connector."""

from __future__ import annotations

import collections
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from dashboard.figures import Filters, dashboard
from dashboard.server import from_properties
from jobs.cdr_pipeline import run_replay, run_stream
from jobs.config import load_replay
from local.local_aws import LocalAws
from ops import dead_letters
from ops.reconcile import Report, compare, dynamodb_bills, expected_bills
from stream_io.kinesis_writer import put_stream
from synthetic.bad_records import BadRecord
from synthetic.traffic import TrafficSpec, generate, to_json
from tests.expected import (
    ROUTE_FIGURES,
    USAGE_FIGURES,
    assert_route_figures_equal,
    metrics_by_minute,
    route_causes,
    route_quality,
    usage_hourly,
)
from tests.integration.hour_edge import assert_counted_in_the_hour_they_ended


@pytest.fixture(scope="module")
def streamed(local_aws: LocalAws, mixed_lines: list[tuple[str, BadRecord | None]], tmp_path_factory) -> LocalAws:
    put_stream([line for line, _ in mixed_lines], local_aws.kinesis, local_aws.resources.stream_arn)
    properties = local_aws.write_properties(tmp_path_factory.mktemp("props") / "app.json", bounded=True,
                                            metrics=True)
    run_stream(properties)
    return local_aws


def test_dynamodb_usage_equals_independent_computation(streamed: LocalAws, traffic: list[dict[str, Any]]) -> None:
    items = streamed.scan(streamed.resources.usage_hourly_table)
    actual = {(item["subscriber_id"], datetime.fromisoformat(item["window_start"].replace("Z", ""))):
              {figure: int(item[figure]) for figure in USAGE_FIGURES} for item in items}
    assert actual == usage_hourly(traffic)
    assert all(item["window_end"].endswith("Z") for item in items)
    assert_counted_in_the_hour_they_ended(actual)


def test_dead_letters_table_holds_every_bad_record_with_its_place(streamed: LocalAws, mixed_lines: list) -> None:
    items = streamed.scan(streamed.resources.dead_letters_table)
    injected = collections.Counter((line[:65536], len(line) > 65536, bad.reason)
                                   for line, bad in mixed_lines if bad is not None)
    assert collections.Counter((item.get("raw_record", ""), item["raw_truncated"], item["reason"])
                               for item in items) == injected
    shards = {shard["ShardId"] for shard in streamed.kinesis.list_shards(
        StreamARN=streamed.resources.stream_arn)["Shards"]}
    assert all(item["source_partition"] in shards and item["source_offset"].isdigit() for item in items)


def _bills_from(items: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(i["subscriber_id"], i["month_currency"]): i for i in items}


def test_billing_items_reconcile_with_the_independent_rerating(streamed: LocalAws, mixed_lines: list,
                                                               tmp_path: Path) -> None:
    table = streamed.resources.billing_monthly_table
    properties = streamed.write_properties(tmp_path / "app.json", bounded=True)
    billing = load_replay(properties).billing
    lines = [line for line, _ in mixed_lines]
    report = Report(expected_bills(lines, billing))
    report.differences = compare(report.expected.bills, dynamodb_bills(streamed.dynamodb, table))
    assert report.differences == []
    assert report.expected.rated_legs > 2_000 and any(b["tax"] > 0 for b in report.expected.bills.values())
    # One item altered by a millionth: the reconciliation finds exactly that.
    items = streamed.dynamodb.scan(TableName=table, Limit=1)["Items"]
    original = items[0]
    altered = {**original, "amount": {"N": str(Decimal(original["amount"]["N"]) + Decimal("0.000001"))}}
    streamed.dynamodb.put_item(TableName=table, Item=altered)
    try:
        differences = compare(report.expected.bills, dynamodb_bills(streamed.dynamodb, table))
        key = (original["subscriber_id"]["S"], original["bill_month"]["S"], original["currency"]["S"])
        assert [(d.key, d.figure) for d in differences] == [(key, "amount")]
    finally:
        streamed.dynamodb.put_item(TableName=table, Item=original)


def test_replay_and_streaming_bill_the_same(streamed: LocalAws, mixed_lines: list, tmp_path: Path) -> None:
    cdrs = tmp_path / "cdrs.jsonl"
    cdrs.write_text("".join(line + "\n" for line, _ in mixed_lines), encoding="utf-8")
    run_replay(cdrs, tmp_path / "out", streamed.write_properties(tmp_path / "app.json", bounded=True))
    replayed = _bills_from(pq.read_table(tmp_path / "out" / "billing_monthly").to_pylist())
    streamed_bills = _bills_from(streamed.scan(streamed.resources.billing_monthly_table))
    assert set(replayed) == set(streamed_bills)
    for key, bill in replayed.items():
        assert {k: (Decimal(str(v)) if isinstance(v, Decimal) else v) for k, v in bill.items()} == \
            {k: (Decimal(str(v)) if isinstance(v, Decimal) else v) for k, v in streamed_bills[key].items()}, key


@pytest.mark.parametrize("grain", ["minute", "hour"])
def test_dynamodb_route_quality_equals_independent_computation(streamed: LocalAws, traffic: list[dict[str, Any]],
                                                               grain: str) -> None:
    counts = ("attempts", "answered", "effective", "rang", "with_mos")

    def number(figure: str, value: Any) -> Any:  # DynamoDB numbers (Decimal): counts whole, the rest measured
        return None if value is None else int(value) if figure in counts else float(value)

    def start(item: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(item[f"{grain}_start"].replace("Z", ""))

    items = streamed.scan(getattr(streamed.resources, f"route_quality_{grain}ly_table"))
    actual = {(start(item), *item["dimensions"].split("|")):
              {figure: number(figure, item.get(figure)) for figure in ROUTE_FIGURES} for item in items}
    assert_route_figures_equal(actual, route_quality(traffic, hourly=grain == "hour"))
    causes = streamed.scan(getattr(streamed.resources, f"route_causes_{grain}ly_table"))
    assert {(start(item), item["destination_country"], item["trunk"], item["direction"],
             int(item["hangup_cause"])): int(item["legs"]) for item in causes} \
        == route_causes(traffic, hourly=grain == "hour")


@pytest.mark.parametrize("grain", ["minute", "hour"])
def test_timestream_holds_the_route_quality(streamed: LocalAws, traffic: list[dict[str, Any]], grain: str) -> None:
    records = streamed.timestream_records(f"route_{grain}")
    actual = {}
    for record in records:
        start = datetime.fromtimestamp(int(record["Time"]) / 1000, UTC).replace(tzinfo=None)
        values = {m["Name"]: int(m["Value"]) if m["Type"] == "BIGINT" else float(m["Value"])
                  for m in record["MeasureValues"]}
        actual[(start, *(d["Value"] for d in record["Dimensions"]))] = {figure: values.get(figure)
                                                                        for figure in ROUTE_FIGURES}
    assert len(actual) == len(records), f"one record per {grain} and route"
    assert_route_figures_equal(actual, route_quality(traffic, hourly=grain == "hour"))


def test_timestream_holds_the_minute_metrics(streamed: LocalAws, traffic: list[dict[str, Any]]) -> None:
    records = streamed.timestream_records("cdr_minute")
    keys = [(r["Time"], *(d["Value"] for d in r["Dimensions"])) for r in records]
    assert records and len(keys) == len(set(keys)), "one record per minute and dimensions"
    actual = {}
    for record in records:
        minute = datetime.fromtimestamp(int(record["Time"]) / 1000, UTC).replace(tzinfo=None)
        values = {m["Name"]: m for m in record["MeasureValues"]}
        assert {m["Type"] for m in record["MeasureValues"]} == {"BIGINT", "DOUBLE"}
        if int(values["attempts"]["Value"]):  # else a minute that only raised a fraud alert
            country, direction, call_type, currency = (d["Value"] for d in record["Dimensions"])
            assert currency == "EUR"  # the packaged plan's
            actual[(minute, country, direction, call_type)] = {
                "attempts": int(values["attempts"]["Value"]), "answered": int(values["answered"]["Value"]),
                "talk_seconds": round(float(values["talk_minutes"]["Value"]) * 60)}
    assert actual == metrics_by_minute(traffic)
    # Every time a fraud alert is raised (an escalation, or the same window again after the
    # cooldown, raises it again) counted once.
    tagged = streamed.s3_dataset(streamed.resources.fraud_tagged_prefix).to_table().to_pylist()
    alerts = sum(int({m["Name"]: m["Value"] for m in r["MeasureValues"]}["fraud_alerts"]) for r in records)
    assert alerts == len({(row["alert_id"], row["severity"], row["detected_at"]) for row in tagged})
    revenue = sum(int({m["Name"]: m["Value"] for m in r["MeasureValues"]}["revenue_micros"]) for r in records)
    bills = streamed.scan(streamed.resources.billing_monthly_table)
    assert Decimal(revenue) / 1_000_000 == sum(Decimal(str(b["amount"])) for b in bills)


def test_s3_archive_holds_each_valid_record_once(streamed: LocalAws, mixed_lines: list) -> None:
    archive = streamed.s3_dataset(streamed.resources.archive_prefix).to_table(
        columns=["record_id", "raw_record", "dt", "hour", "source_partition", "rated_amount", "record_type"])
    valid = {json.loads(line)["recordId"]: line for line, bad in mixed_lines if bad is None}
    ids = archive.column("record_id").to_pylist()
    assert len(ids) == len(set(ids)) and set(ids) == set(valid)
    assert all(row["raw_record"] == valid[row["record_id"]] for row in archive.to_pylist())
    keys = [o["Key"] for o in streamed.s3.list_objects_v2(
        Bucket=streamed.resources.bucket, Prefix=streamed.resources.archive_prefix + "/")["Contents"]]
    assert all(re.fullmatch(r"cdr/dt=\d{4}-\d{2}-\d{2}/hour=\d{2}/(part-[\w-]+|_SUCCESS)", key) for key in keys), keys


def test_s3_dead_letter_store_holds_every_rejected_record_whole(streamed: LocalAws, mixed_lines: list) -> None:
    store = streamed.s3_dataset(streamed.resources.dead_letter_prefix).to_table().to_pylist()
    injected = collections.Counter((line, bad.reason) for line, bad in mixed_lines if bad is not None)
    assert collections.Counter((row["raw_record"], row["reason"]) for row in store) == injected
    assert any(len(row["raw_record"]) > 65536 for row in store), "kept whole, unlike the DynamoDB copy"
    assert {row["source_stream"] for row in store} == {streamed.resources.stream_arn}
    assert all(row["dt"] == row["ingest_time"].strftime("%Y-%m-%d") for row in store)


def _stream_record_ids(aws: LocalAws) -> list[str]:
    ids = []
    for shard in aws.kinesis.list_shards(StreamARN=aws.resources.stream_arn)["Shards"]:
        iterator = aws.kinesis.get_shard_iterator(StreamARN=aws.resources.stream_arn, ShardId=shard["ShardId"],
                                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = aws.kinesis.get_records(StreamARN=aws.resources.stream_arn, ShardIterator=iterator, Limit=10_000)
            for record in page["Records"]:
                try:
                    ids.append(json.loads(record["Data"])["recordId"])
                except (ValueError, KeyError, TypeError):
                    pass
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return ids


def test_dead_letter_command_counts_exports_and_reinjects_fixed_records(
        streamed: LocalAws, mixed_lines: list, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    properties = str(streamed.write_properties(tmp_path / "app.json", bounded=True))
    injected = collections.Counter(bad.reason for _, bad in mixed_lines if bad is not None)
    assert dead_letters.main(["--properties", properties, "count"]) == 0
    printed = dict(line.rsplit(None, 1) for line in capsys.readouterr().out.splitlines())
    assert {reason: int(count.replace(",", "")) for reason, count in printed.items()} == \
        {**injected, "total": sum(injected.values())}

    export = tmp_path / "fix.jsonl"
    assert dead_letters.main(["--properties", properties, "export", "--reason", "INVALID_NUMBER",
                              "--out", str(export)]) == 0
    exported = export.read_text(encoding="utf-8").splitlines()
    assert sorted(exported) == sorted(line for line, bad in mixed_lines if bad and bad.reason == "INVALID_NUMBER")
    # The operator fixes one record (here: a fresh valid one stands for the fix) and re-injects.
    fixed = next(generate(TrafficSpec(seed=4242, calls=1, subscribers=1)))
    export.write_text("\n".join([to_json(fixed), *exported[1:]]) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert dead_letters.main(["--properties", properties, "reinject", str(export)]) == 1  # some still bad
    out = capsys.readouterr().out
    assert out.startswith(f"put 1 record(s) on {streamed.resources.stream_arn}")
    assert out.count("still INVALID_NUMBER") == len(exported) - 1
    assert _stream_record_ids(streamed).count(fixed["recordId"]) == 1


def test_the_dashboard_reads_the_streaming_results(streamed: LocalAws, traffic: list[dict[str, Any]],
                                                   mixed_lines: list, tmp_path: Path) -> None:
    """The dashboard over the DynamoDB tables the job wrote: its figures equal the independent
    computation from the same CDRs, and the health panel knows how far behind the stream it was."""
    properties = streamed.write_properties(tmp_path / "app.json", bounded=True)
    figures = dashboard(from_properties(properties).tables(), Filters(), datetime.now(UTC))
    talk: collections.Counter[str] = collections.Counter()
    usage = usage_hourly(traffic)
    current = max(hour for _, hour in usage)
    for (subscriber, hour), row in usage.items():
        if (hour.year, hour.month) == (current.year, current.month):
            talk[subscriber] += row["talk_seconds"]
    top = sorted(talk.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert [(r["subscriber"], r["value"]) for r in figures["top"]["talk_seconds"]["month"]] == top
    per_hour = [0] * 24
    for (minute, *_), row in metrics_by_minute(traffic).items():
        per_hour[minute.hour] += row["attempts"]
    assert [r["answered"] + r["unanswered"] for r in figures["calls_per_hour_of_day"]] == per_hour
    health = figures["health"]
    assert sum(r["records_in"] for r in health["records_per_minute"]) == len(mixed_lines)
    dead: collections.Counter[str] = collections.Counter()
    for minute in health["dead_letters_per_minute"]:
        dead.update(minute["by_reason"])
    assert dead == collections.Counter(str(bad.reason) for _, bad in mixed_lines if bad is not None)
    assert health["lag_ms"] is not None and health["lag_ms"] >= 0
