"""The analyst queries (sql/analyst/) run on a real archive: a replay writes it exactly as the
streaming job writes S3 (dt/hour partitions, Flink's Parquet), DuckDB runs each query's SQL
over it the way Athena would over the Glue table, and every answer is checked against plain
Python over the generated records."""

from __future__ import annotations

import collections
import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.dataset as ds
import pytest

from jobs.cdr_pipeline import run_replay
from jobs.config import BillingConfig
from ops.glue_table import hive_type, table_input
from synthetic.traffic import CallPlan, TrafficSpec, build_call, generate, subscriber_base, to_json
from tests.expected import final_legs, route_causes, route_quality

ANALYST = Path(__file__).resolve().parents[2] / "sql" / "analyst"
DATES = ("2026-11-01", "2026-11-30")


FLOOD_AT = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def flood() -> list[dict[str, Any]]:
    """A flood the fraud detection must catch: 15 attempts in 30 s by one subscriber."""
    spec = TrafficSpec(seed=31, subscribers=120)
    who = subscriber_base(spec)[7]
    rng = random.Random(31)
    return [record for attempt in range(15) for _, record in build_call(CallPlan(
        who, "MOBILE_ORIGINATED", "+442079460958", "LANDLINE", FLOOD_AT + timedelta(seconds=2 * attempt), 1.0, 0,
        "NO_ANSWER", call_id=f"flood-{attempt:02d}"), rng)]


@pytest.fixture(scope="module")
def records(flood: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A day of traffic with one flood in it."""
    traffic = list(generate(TrafficSpec(seed=31, calls=1_500, subscribers=120, hours=24, duplicate_share=0.02)))
    return sorted(traffic + flood, key=lambda r: r.get("endTime") or r["startTime"])


@pytest.fixture(scope="module")
def archive(records: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("analyst")
    (root / "cdrs.jsonl").write_text("".join(to_json(r) + "\n" for r in records), encoding="utf-8")
    run_replay(root / "cdrs.jsonl", root / "out", None, archive=True, fraud=True)
    return root / "out" / "cdr_archive"


def _run(archive: Path, name: str, dates: tuple[str, ...] = DATES) -> list[dict[str, Any]]:
    connection = duckdb.connect()
    connection.execute(f"""CREATE VIEW cdr_archive AS SELECT * FROM read_parquet(
        '{archive}/*/*/part-*', hive_partitioning = true, hive_types = {{'dt': VARCHAR, 'hour': VARCHAR}})""")
    tagged = archive.parent / "fraud_tagged_calls"
    connection.execute(f"""CREATE VIEW fraud_tagged_calls AS SELECT * FROM read_parquet(
        '{tagged}/*/part-*', hive_partitioning = true, hive_types = {{'dt': VARCHAR}})""")
    # Athena's approx_percentile (within ~1 %), here exact: linear between the closest ranks
    connection.execute("CREATE MACRO approx_percentile(x, p) AS quantile_cont(x, p)")
    cursor = connection.execute((ANALYST / f"{name}.sql").read_text(encoding="utf-8"), list(dates))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _top10(totals: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:10]


def test_top_subscribers_by_talk_time(archive: Path, records: list[dict[str, Any]]) -> None:
    talk: dict[str, int] = collections.Counter()
    for leg in final_legs(records):
        if leg.answered:
            talk[leg.subscriber] += leg.talk_seconds
    rows = _run(archive, "top_subscribers_by_talk_time")
    assert [(r["subscriber_id"], r["talk_seconds"]) for r in rows] == _top10(talk)


def test_top_subscribers_by_data_usage(archive: Path, records: list[dict[str, Any]]) -> None:
    data: dict[str, int] = collections.Counter()
    for leg in final_legs(records):
        usage = leg.record.get("dataUsage", {})
        data[leg.subscriber] += usage.get("bytesSent", 0) + usage.get("bytesReceived", 0)
    rows = _run(archive, "top_subscribers_by_data_usage")
    assert [(r["subscriber_id"], r["bytes_total"]) for r in rows] == _top10(data)
    assert all(r["bytes_total"] == r["bytes_sent"] + r["bytes_received"] for r in rows)


def test_calls_per_hour_of_day(archive: Path, records: list[dict[str, Any]]) -> None:
    calls: dict[int, list[int]] = collections.defaultdict(lambda: [0, 0])
    for leg in final_legs(records):
        calls[leg.start.hour][0] += 1
        calls[leg.start.hour][1] += leg.answered
    rows = _run(archive, "calls_per_hour_of_day")
    assert {r["hour_of_day"]: [r["calls"], r["answered_calls"]] for r in rows} == dict(calls)
    assert len(rows) == 24, "a day of traffic has calls in every hour"
    assert _run(archive, "calls_per_hour_of_day", ("2026-12-01", "2026-12-31")) == []  # partitions filter


def test_revenue_by_destination(archive: Path, records: list[dict[str, Any]]) -> None:
    book = BillingConfig().book
    revenue: dict[str, Decimal] = collections.defaultdict(Decimal)
    for leg in final_legs(records):
        if leg.record["callDirection"] == "MOBILE_ORIGINATED":
            rating = leg.rated(book)
            assert rating.error is None and rating.destination is not None
            revenue[rating.destination] += rating.amount
    rows = _run(archive, "revenue_by_destination")
    assert {r["destination"]: r["revenue"] for r in rows} == dict(revenue)
    assert all(isinstance(r["revenue"], Decimal) for r in rows), "money stays decimal"
    assert [r["revenue"] for r in rows] == sorted((r["revenue"] for r in rows), reverse=True)


def test_asr_acd_by_destination(archive: Path, records: list[dict[str, Any]]) -> None:
    figures: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    for leg in final_legs(records):
        row = figures[leg.record["calledParty"].get("destination") or "ZZ"]
        row[0] += 1
        row[1] += leg.answered
        row[2] += leg.talk_seconds
    rows = _run(archive, "asr_acd_by_destination")
    assert {r["destination_country"]: (r["attempts"], r["answered_calls"]) for r in rows} == \
        {country: (a, n) for country, (a, n, _) in figures.items()}
    for r in rows:
        attempts, answered, talk = figures[r["destination_country"]]
        assert r["asr"] == pytest.approx(answered / attempts)
        assert r["acd_seconds"] == (pytest.approx(talk / answered) if answered else None)


def test_route_quality_by_hour(archive: Path, records: list[dict[str, Any]]) -> None:
    rows = _run(archive, "route_quality_by_hour")
    actual = {(r["hour_start"], r["destination_country"], r["trunk"], r["direction"]): r for r in rows}
    expected = route_quality(records, hourly=True)
    assert len(actual) == len(rows) and actual.keys() == expected.keys()
    for key, want in expected.items():
        for figure in ("attempts", "answered", "asr", "ner", "acd_s", "aloc_s", "pdd_mean_ms", "pdd_p95_ms", "mos_mean",
                       "mos_poor_share", "jitter_mean_ms", "packet_loss_mean_pct", "latency_mean_ms"):
            assert actual[key][figure] == (None if want[figure] is None else pytest.approx(want[figure])), (key, figure)


def test_route_causes_by_hour(archive: Path, records: list[dict[str, Any]]) -> None:
    rows = _run(archive, "route_causes_by_hour")
    actual = {(r["hour_start"], r["destination_country"], r["trunk"], r["direction"], r["hangup_cause"]): r["legs"]
              for r in rows}
    assert len(actual) == len(rows) and actual == route_causes(records, hourly=True)
    assert len({key[4] for key in actual}) > 3  # several causes: the query does tell them apart


def test_fraud_tagged_calls(archive: Path, flood: list[dict[str, Any]]) -> None:
    """VELOCITY warns at the 12th attempt in 60 s and names the 10 most recent: attempts 3-12
    (critical needs 30, and the cooldown keeps attempts 13-15 quiet)."""
    rows = _run(archive, "fraud_tagged_calls", (*DATES, *DATES))
    attempts = [r["callId"] for r in flood if r["recordType"] == "STOP"]
    assert [r["call_id"] for r in rows] == sorted(attempts[2:12], reverse=True)  # newest leg first
    assert {(r["rule"], r["severity"], r["subscriber_id"]) for r in rows} == \
        {("VELOCITY", "WARNING", flood[0]["callingParty"]["subscriberId"])}
    assert all(r["tags"] == ["fraud-alert", "fraud:VELOCITY"] for r in rows)
    assert len({r["alert_id"] for r in rows}) == 1
    assert _run(archive, "fraud_tagged_calls", ("2026-12-01", "2026-12-31", *DATES)) == []


@pytest.mark.parametrize("table, prefix, keys", [("cdr_archive", "cdr", ("dt", "hour")),
                                                 ("fraud_tagged_calls", "fraud-tagged", ("dt",))])
def test_glue_tables_match_the_files_the_job_writes(archive: Path, table: str, prefix: str,
                                                    keys: tuple[str, ...]) -> None:
    """The Glue columns (from each result's column list) are the Parquet files' own schema."""
    declared_table = table_input(f"s3://bucket/{prefix}", table)
    folder = archive.parent / table
    files = ds.dataset(folder, format="parquet", partitioning="hive").schema
    written = {field.name: field.type for field in files if field.name not in keys}
    declared = {c["Name"]: c["Type"] for c in declared_table["StorageDescriptor"]["Columns"]}
    assert list(declared) == list(written)
    arrow_to_hive = {"string": "string", "double": "double", "int64": "bigint", "bool": "boolean",
                     "timestamp[ms]": "timestamp", "list<element: string>": "array<string>"}
    for name, arrow in written.items():
        text = str(arrow)
        expected = f"decimal({arrow.precision},{arrow.scale})" if text.startswith("decimal") else arrow_to_hive[text]
        assert declared[name] == expected, name
    assert tuple(k["Name"] for k in declared_table["PartitionKeys"]) == keys
    template = "/".join(f"{key}=${{{key}}}" for key in keys)
    assert declared_table["Parameters"]["storage.location.template"] == f"s3://bucket/{prefix}/{template}"
    if "hour" in keys:
        hours = {p.name for p in folder.glob("dt=*/hour=*")}
        assert hours <= {f"hour={h}" for h in declared_table["Parameters"]["projection.hour.values"].split(",")}
    assert hive_type("DECIMAL(18, 6)") == "decimal(18,6)"
    json.dumps(declared_table)  # what `aws glue create-table --table-input` takes
