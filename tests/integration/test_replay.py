"""Replay: the job's SQL over files; results as Parquet under DIR/<table>/."""

from __future__ import annotations

import collections
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.cdr_pipeline import run_replay
from tests.expected import USAGE_FIGURES, metrics_by_minute, usage_hourly
from tools.bad_records import BadRecord


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


def test_dead_letters_are_the_injected_bad_records(replay: Any, mixed_lines: list) -> None:
    _, out = replay
    dead = pq.read_table(out / "dead_letters").to_pylist()
    injected = collections.Counter((line[:65536], len(line) > 65536, bad.reason)
                                   for line, bad in mixed_lines if bad is not None)
    assert collections.Counter((row["raw_record"], row["raw_truncated"], row["reason"]) for row in dead) == injected
    assert all(row["detail"] for row in dead)


def test_nothing_is_lost(replay: Any, mixed_lines: list) -> None:
    summary, out = replay
    valid = pq.read_table(out / "cdr_archive").num_rows
    dead = pq.read_table(out / "dead_letters").num_rows
    assert summary.input_records == len(mixed_lines)
    assert valid + dead == len(mixed_lines)
    assert valid == sum(1 for _, bad in mixed_lines if bad is None)


def test_archive_holds_normalised_numbers_and_exact_money(replay: Any, traffic: list[dict[str, Any]]) -> None:
    _, out = replay
    archive = pq.read_table(out / "cdr_archive")
    assert archive.schema.field("cost_amount").type == pa.decimal128(18, 6)
    numbers = archive.column("called_number").to_pylist()
    assert all(number.startswith("+") for number in numbers)
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
    billed = sum(r["amount"] for r in pq.read_table(out / "billing_monthly").to_pylist())
    assert sum(r["revenue"] for r in rows) == billed  # every rated cent, in exactly one minute
