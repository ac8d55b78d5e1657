"""Replay: the job's SQL over files; results as Parquet under DIR/<table>/."""

from __future__ import annotations

import collections
import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from pyflink.table import ExplainDetail

from jobs.cdr_pipeline import CHECK_PATHS, run_replay
from jobs.config import load_replay
from jobs.flink_env import create_table_env
from jobs.pipeline import LATEST_ROW, build_pipeline, latest_row_insert, replay_source
from jobs.sql_files import SQL_ROOT
from synthetic.bad_records import GOOD, BadRecord
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
def replay(tmp_path_factory: pytest.TempPathFactory, mixed_lines: list[tuple[str, BadRecord | None]]):
    """One replay over a folder holding a JSON Lines file and a Parquet file (raw column)."""
    root = tmp_path_factory.mktemp("replay")
    inputs = root / "in"
    inputs.mkdir()
    half = len(mixed_lines) // 2
    (inputs / "a.jsonl").write_text("".join(line + "\n" for line, _ in mixed_lines[:half]), encoding="utf-8")
    pq.write_table(pa.table({"raw": [line for line, _ in mixed_lines[half:]]}), inputs / "b.parquet")
    summary = run_replay(inputs, root / "out", None, archive=True)
    return summary, root / "out"


def test_usage_hourly_equals_independent_computation(replay: Any, traffic: list[dict[str, Any]]) -> None:
    _, out = replay
    rows = pq.read_table(out / "usage_hourly").to_pylist()
    actual = {(row["subscriber_id"], row["window_start"]): {f: row[f] for f in USAGE_FIGURES} for row in rows}
    expected = usage_hourly(traffic)
    assert len(rows) == len(actual), "one row per subscriber and hour"
    assert actual == expected
    assert all(row["window_end"] - row["window_start"] == __import__("datetime").timedelta(hours=1) for row in rows)
    assert_counted_in_the_hour_they_ended(actual)


def test_dead_letters_are_the_injected_bad_records(replay: Any, mixed_lines: list) -> None:
    _, out = replay
    dead = pq.read_table(out / "dead_letters").to_pylist()
    injected = collections.Counter((line[:65536], len(line) > 65536, bad.reason)
                                   for line, bad in mixed_lines if bad is not None)
    assert collections.Counter((row["raw_record"], row["raw_truncated"], row["reason"]) for row in dead) == injected
    assert all(row["detail"] for row in dead)


def test_nothing_is_lost(replay: Any, mixed_lines: list) -> None:
    summary, out = replay
    dead = pq.read_table(out / "dead_letters").num_rows
    valid = [line for line, bad in mixed_lines if bad is None]
    assert summary.input_records == len(mixed_lines)
    assert dead == len(mixed_lines) - len(valid)
    assert "fraud_alerts" not in summary.rows and not (out / "fraud_alerts").exists()  # only with --fraud
    archived = _archive(out).column("record_id").to_pylist()
    assert len(archived) == len(set(archived)), "a producer's retry is archived once"
    assert set(archived) == {json.loads(line)["recordId"] for line in valid}


def _archive(out: Path) -> pa.Table:
    """The archive as an analyst reads it: every dt=/hour= partition of Flink's part files."""
    return ds.dataset(out / "cdr_archive", format="parquet", partitioning="hive").to_table()


def test_archive_is_partitioned_by_event_hour_and_keeps_the_raw_record(
        replay: Any, traffic: list[dict[str, Any]]) -> None:
    _, out = replay
    rows = {row["record_id"]: row for row in _archive(out).to_pylist()}
    by_id = {record["recordId"]: record for record in traffic}
    for record_id, row in rows.items():
        record = by_id[record_id]
        event = _utc(record.get("endTime") or record["startTime"])
        assert (row["dt"], row["hour"]) == (event.strftime("%Y-%m-%d"), event.hour)
        assert json.loads(row["raw_record"]) == record
    partitions = {path.relative_to(out / "cdr_archive").parent.as_posix()
                  for path in (out / "cdr_archive").rglob("part-*")}
    assert partitions == {f"dt={dt}/hour={hour:02d}" for dt, hour in {(r["dt"], r["hour"]) for r in rows.values()}}


def test_archive_carries_the_rated_price_of_final_legs(replay: Any) -> None:
    _, out = replay
    archive = {row["record_id"]: row for row in _archive(out).to_pylist()}
    rated = pq.read_table(out / "rated_calls").to_pylist()
    assert rated
    for call in rated:
        row = archive[call["record_id"]]
        assert (row["rated_amount"], row["rated_tax"], row["rated_tariff_prefix"], row["rated_billable_seconds"]) == \
            (call["amount"], call["tax"], call["tariff_prefix"], call["billable_seconds"])
    unpriced = [row for row in archive.values() if row["record_type"] != "STOP"]
    assert unpriced and all(row["rated_amount"] is None and row["rated_currency"] is None for row in unpriced)


def test_archive_holds_normalised_numbers_and_exact_money(replay: Any, traffic: list[dict[str, Any]]) -> None:
    _, out = replay
    archive = _archive(out)
    assert archive.schema.field("cost_amount").type == pa.decimal128(18, 6)
    assert archive.schema.field("rated_amount").type == pa.decimal128(18, 6)
    assert archive.schema.field("end_time").type == pa.timestamp("ms")  # UTC, as Athena reads INT64 millis
    by_id = {record["recordId"]: record for record in traffic}
    for row in archive.select(["record_id", "start_time"]).to_pylist():
        assert row["start_time"].replace(tzinfo=dt.UTC) == _utc(by_id[row["record_id"]]["startTime"])
    numbers = archive.select(["called_number", "called_number_type"]).to_pylist()
    assert all(row["called_number"].startswith("+") for row in numbers if row["called_number_type"] != "SERVICE")
    service = {row["called_number"] for row in numbers if row["called_number_type"] == "SERVICE"}
    assert service and not any(number.startswith("+") for number in service)  # kept as dialled
    national = [r for r in traffic if not r["calledParty"]["number"].startswith("+")]
    assert national, "the traffic must exercise the normaliser"
    by_record = {row["record_id"]: row for row in archive.select(["record_id", "called_number"]).to_pylist()}
    for record in national:
        # the generator formats a valid E.164 number nationally; its sipData keeps the E.164 form
        e164 = record["sipData"]["toUri"].removeprefix("sip:").split("@")[0]
        assert by_record[record["recordId"]]["called_number"] == e164


def test_metrics_minutely_equal_independent_computation(replay: Any, traffic: list[dict[str, Any]]) -> None:
    _, out = replay
    rows = pq.read_table(out / "metrics_minutely").to_pylist()
    actual = {(r["minute_start"], r["destination_country"], r["direction"], r["call_type"]):
              {"attempts": r["attempts"], "answered": r["answered"], "talk_seconds": r["talk_seconds"]} for r in rows}
    assert actual == metrics_by_minute(traffic)
    assert {r["currency"] for r in rows} == {"EUR"}  # the packaged plan's; fraud off, so no alert-only row
    billed = sum(r["amount"] for r in pq.read_table(out / "billing_monthly").to_pylist())
    assert sum(r["revenue"] for r in rows) == billed  # every rated cent, in exactly one minute


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


@pytest.mark.parametrize("grain", ["minute", "hour"])
def test_route_quality_equals_independent_computation(replay: Any, traffic: list[dict[str, Any]], grain: str) -> None:
    _, out = replay
    rows = pq.read_table(out / f"route_quality_{grain}ly").to_pylist()
    actual = {(row[f"{grain}_start"], row["destination_country"], row["trunk"], row["direction"]):
              {figure: row[figure] for figure in ROUTE_FIGURES} for row in rows}
    assert len(rows) == len(actual), f"one row per {grain} and route"
    assert all(row["dimensions"] == "|".join(key[1:]) for key, row in zip(actual, rows, strict=True))
    assert_route_figures_equal(actual, route_quality(traffic, hourly=grain == "hour"))
    assert {row["trunk"] for row in rows} == {"carrier-a", "carrier-b", "carrier-c", "on-net"}
    causes = pq.read_table(out / f"route_causes_{grain}ly").to_pylist()
    assert {(row[f"{grain}_start"], row["destination_country"], row["trunk"], row["direction"],
             row["hangup_cause"]): row["legs"] for row in causes} == route_causes(traffic, hourly=grain == "hour")


def test_the_archive_is_the_input_of_a_rerating(replay: Any, tmp_path: Path) -> None:
    """Replaying DIR/cdr_archive (its raw records) bills exactly what the original replay billed."""
    _, out = replay
    summary = run_replay(out / "cdr_archive", tmp_path / "rerated", None)
    assert summary.rows["dead_letters"] == 0
    order = [("subscriber_id", "ascending"), ("month_currency", "ascending")]
    original = pq.read_table(out / "billing_monthly").sort_by(order)
    rerated = pq.read_table(tmp_path / "rerated" / "billing_monthly").sort_by(order)
    assert original.num_rows > 0 and rerated.equals(original)


def test_logical_calls_of_one_and_of_several_legs(tmp_path: Path) -> None:
    """A PBX may name a call after its first leg: that leg's linkedId is its own callId. It is
    still one call with the legs that share the linkedId, not a call of its own beside them. A
    leg without a linkedId is a call by itself, whatever characters its ids hold."""
    legs = []
    for call_id, start, end in (("call-7", "10:00:00", "10:01:00"), ("call-7b", "10:01:00", "10:03:00")):
        leg = copy.deepcopy(GOOD)
        leg.update(callId=call_id, recordId=f"{call_id}:STOP", linkedId="call-7",
                   startTime=f"2026-11-03T{start}Z", answerTime=f"2026-11-03T{start}Z", endTime=f"2026-11-03T{end}Z",
                   duration=60.0 if call_id == "call-7" else 120.0)
        legs.append(json.dumps(leg))
    odd = 'odd "call"\\ \t é \u0001'
    alone = copy.deepcopy(GOOD)
    alone.update(callId=odd, recordId=odd + ":STOP")
    legs.append(json.dumps(alone))
    (tmp_path / "legs.jsonl").write_text("\n".join(legs) + "\n")
    run_replay(tmp_path / "legs.jsonl", tmp_path / "out", None)
    calls = {row["linked_id"]: row for row in pq.read_table(tmp_path / "out" / "logical_calls").to_pylist()}
    assert set(calls) == {"call-7", odd}
    call = calls["call-7"]
    assert (call["leg_count"], float(call["conversation_seconds"])) == (2, 180.0)
    assert json.loads(calls[odd]["legs"]) == [{"record_id": odd + ":STOP", "call_id": odd, "charged_to": "sub-bad",
                                                "charge": "ORIGINATOR", "talk_ms": 60_000}]
    assert calls[odd]["participants"] == ["sub-bad"]
    usage = pq.read_table(tmp_path / "out" / "usage_hourly").to_pylist()
    assert (sum(row["calls"] for row in usage), sum(row["logical_calls"] for row in usage)) == (3, 2)


def test_a_key_written_several_times_keeps_its_latest_row(tmp_path: Path) -> None:
    """What a replay writes for the tables streaming upserts: per key, the row greatest by the
    order columns (the first, then the next on a tie), whatever order the rows came in; the
    INSERT's SELECT list may hold expressions."""
    t_env = create_table_env(managed=False, batch=True)
    t_env.execute_sql(f"CREATE TEMPORARY TABLE kept (k STRING, revision INT, seen BIGINT, v STRING) WITH ("
                      f"'connector' = 'filesystem', 'path' = '{(tmp_path / 'kept').as_uri()}', 'format' = 'parquet')")
    rows = [("a", 1, 3, "a r1"), ("a", 0, 9, "a r0"), ("b", 0, 1, "b early"), ("b", 0, 2, "b late"), ("c", 0, 0, "c")]
    values = ", ".join(f"('{k}', {revision}, {seen}, '{v}')" for k, revision, seen, v in rows)
    insert = (f"INSERT INTO kept SELECT k, revision, seen + 0, CONCAT(v, '') "
              f"FROM (VALUES {values}) AS t(k, revision, seen, v)")
    t_env.execute_sql(latest_row_insert(t_env, insert, ("k",), ("revision", "seen"))).wait()
    assert sorted(pq.read_table(tmp_path / "kept").column("v").to_pylist()) == ["a r1", "b late", "c"]


def test_the_replay_keeps_a_latest_row_of_exactly_the_tables_streaming_upserts_by_a_key_it_rewrites() -> None:
    """LATEST_ROW's keys are the DynamoDB keys of those tables (the stream sinks' primary keys)."""
    for table, (key, _) in LATEST_ROW.items():
        sink = (SQL_ROOT / "sinks" / "stream" / f"{table}.sql").read_text(encoding="utf-8")
        declared = re.search(r"PRIMARY KEY \(([^)]*)\)", sink).group(1)  # type: ignore[union-attr]
        assert tuple(name.strip() for name in declared.split(",")) == key, table


def test_a_replay_of_one_kind_of_file_parses_each_record_in_its_source_s_thread() -> None:
    """The event time (in the source) and PARSE_CDR share one parse only when chained: a union of
    the two kinds of source gives the parse two inputs, so Flink cannot chain it."""
    assert replay_source(["a.jsonl"], []) == "cdr_lines"
    assert replay_source([], ["part-0"]) == "cdr_stored_raw"
    assert replay_source(["a.jsonl"], ["part-0"]) is None
    for raw_source, inputs in (("cdr_lines", 1), ("cdr_stored_raw", 1), (None, 2)):
        t_env = create_table_env(managed=False, batch=True)
        statements = build_pipeline(t_env, load_replay(None), "replay", CHECK_PATHS, raw_source=raw_source)
        plan = json.loads(statements.explain(ExplainDetail.JSON_EXECUTION_PLAN)
                          .split("== Physical Execution Plan ==", 1)[1])
        parse = next(node for node in plan["nodes"] if "parse_cdr(" in node["contents"])
        assert len(parse["predecessors"]) == inputs, raw_source
        if inputs == 1:
            assert parse["predecessors"][0]["ship_strategy"] == "FORWARD"
            source = next(node for node in plan["nodes"] if node["id"] == parse["predecessors"][0]["id"])
            assert "cdr_event_time(" in source["contents"], "the event time is computed just before the parse"
