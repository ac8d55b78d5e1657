"""What a replay reads, told apart as Flink tells it (the same patterns), and refused early."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.replay_io import Location, read_lines, survey_input, table_rows
from stream_io.properties import ConfigError


def _folder(root: Path) -> Path:
    (root / "dt=2026-11-01" / "hour=05").mkdir(parents=True)
    (root / "a.jsonl").write_text('{"n": 1}\n\n{"n": 2}')  # a blank line, and a last line without its newline
    (root / "b.ndjson").write_text('{"n": 3}\n')
    pq.write_table(pa.table({"raw_record": ['{"n": 4}', None], "x": [1, 2]}),
                   root / "dt=2026-11-01" / "hour=05" / "part-1a2b-0-0")  # Flink's part file: no suffix
    pq.write_table(pa.table({"raw": ['{"n": 5}']}), root / "c.parquet")
    (root / "README.md").write_text("not a record")
    (root / "_SUCCESS").write_text("")
    (root / ".staging").mkdir()
    (root / ".staging" / "d.jsonl").write_text('{"n": 6}\n')  # hidden: Flink skips it
    return root


def test_json_lines_and_raw_text_parquet_are_read_and_everything_else_left_out(tmp_path: Path) -> None:
    root = _folder(tmp_path / "in")
    survey = survey_input(Location.of(root))
    assert [Path(f).name for f in survey.lines_files] == ["a.jsonl", "b.ndjson"]
    assert sorted(Path(f).name for f in survey.stored_files) == ["c.parquet", "part-1a2b-0-0"]
    assert sorted(read_lines(Location.of(root))) == sorted(
        ['{"n": 1}', "", '{"n": 2}', '{"n": 3}', '{"n": 4}', "", '{"n": 5}'])


def test_a_single_file_is_an_input(tmp_path: Path) -> None:
    root = _folder(tmp_path / "in")
    assert list(read_lines(Location.of(root / "b.ndjson"))) == ['{"n": 3}']
    assert list(read_lines(Location.of((root / "c.parquet").as_uri()))) == ['{"n": 5}']


def test_parquet_without_the_raw_text_is_refused_naming_the_file(tmp_path: Path) -> None:
    pq.write_table(pa.table({"record_id": ["r1"], "duration": [5]}), tmp_path / "cdrs.parquet")
    with pytest.raises(ConfigError, match=r"cdrs.parquet.*raw_record, raw, line"):
        survey_input(Location.of(tmp_path))


def test_an_input_without_records_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(FileNotFoundError, match="holds no"):
        survey_input(Location.of(tmp_path))
    with pytest.raises(FileNotFoundError):
        survey_input(Location.of(tmp_path / "missing"))


def test_only_local_paths_and_s3_are_locations() -> None:
    assert Location.of("s3://bucket/cdr/", "http://127.0.0.1:5000").child("usage").uri == "s3://bucket/cdr/usage"
    with pytest.raises(ConfigError, match="s3://"):
        Location.of("gs://bucket/cdr")


def test_a_table_without_rows_gets_an_empty_file_with_its_columns(tmp_path: Path) -> None:
    schema = pa.schema([("key", pa.string()), ("amount", pa.decimal128(18, 6))])
    assert table_rows(Location.of(tmp_path / "t"), schema) == 0
    assert pq.read_table(tmp_path / "t").schema == schema
    pq.write_table(pa.table({"key": ["a", "b"]}), tmp_path / "u.parquet")
    (tmp_path / "v").mkdir()
    pq.write_table(pa.table({"key": ["a", "b"]}), tmp_path / "v" / "part-0")
    assert table_rows(Location.of(tmp_path / "v"), schema) == 2
