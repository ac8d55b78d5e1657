"""A replay's upsert tables keep, per key, what the streaming upsert would have left."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from jobs.cdr_pipeline import UPSERT_KEYS
from jobs.pipeline import staged_tables
from jobs.replay_io import write_parquet

SCHEMA = pa.schema([("key", pa.string()), ("at", pa.int64()), ("value", pa.string())])


def test_the_latest_row_per_key_wins_and_a_tie_goes_to_the_later_row(tmp_path: Path) -> None:
    staged = tmp_path / "staged"
    staged.mkdir()
    rows = [{"key": "a", "at": 1, "value": "a@1"}, {"key": "b", "at": 5, "value": "b@5"},
            {"key": "a", "at": 3, "value": "a@3"}, {"key": "a", "at": 3, "value": "a@3 again"},
            {"key": "b", "at": 2, "value": "b@2 (late writer)"}, {"key": "c", "at": 0, "value": "c@0"}]
    (staged / "part-1").write_text("".join(json.dumps(row) + "\n" for row in rows[:3]))
    (staged / "part-2").write_text("".join(json.dumps(row) + "\n" for row in rows[3:]))
    assert write_parquet(staged, SCHEMA, tmp_path / "out", ("key",), "at") == 3
    assert pq.read_table(tmp_path / "out").to_pylist() == [
        {"key": "b", "at": 5, "value": "b@5"}, {"key": "a", "at": 3, "value": "a@3 again"},
        {"key": "c", "at": 0, "value": "c@0"}]


def test_without_a_key_every_row_is_kept_and_an_empty_table_still_has_a_file(tmp_path: Path) -> None:
    staged = tmp_path / "staged"
    staged.mkdir()
    assert write_parquet(staged, SCHEMA, tmp_path / "empty") == 0
    assert pq.read_table(tmp_path / "empty").schema.names == SCHEMA.names
    (staged / "part-1").write_text(json.dumps({"key": "a", "at": 1, "value": "x"}) + "\n" * 2)
    assert write_parquet(staged, SCHEMA, tmp_path / "out") == 1


def test_the_staged_tables_are_the_upsert_tables() -> None:
    """A replay stages (and keeps each key's latest row of) exactly the tables it knows a key of;
    Flink writes every other result's Parquet itself."""
    assert set(staged_tables("replay")) == set(UPSERT_KEYS)
