"""The SQL files: one statement each, a header comment each, placeholders filled or refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jobs.sql_files import SQL_ROOT, insert_target, render

ALL_SQL = sorted(SQL_ROOT.rglob("*.sql"))
PLACEHOLDERS = {name: "x" for name in (
    "watermark_lateness_s", "stream_arn", "aws_region", "kinesis_endpoint", "init_position", "init_timestamp",
    "source_bounded", "source_idle_timeout", "route_alarm_window_minutes",
    "sink_region", "dynamodb_endpoint", "usage_hourly_table", "dead_letters_table", "input_path",
    "route_quality_minutely_table", "route_causes_minutely_table",
    "staging_path", "currency", "billing_state_ttl", "billing_monthly_table", "rating_errors_table",
    "archive_path", "dead_letter_store_path", "wangiri_max_ring_ms", "fraud_alerts_table", "fraud_blocks_table",
    "fraud_tagged_path",
    "logical_calls_table", "metrics_minutely_table", "pipeline_minutely_table")}


@pytest.mark.parametrize("path", ALL_SQL, ids=[str(p.relative_to(SQL_ROOT)) for p in ALL_SQL])
def test_each_file_has_a_header_and_one_statement(path: Path) -> None:
    text = path.read_text()
    assert text.startswith("--"), "a comment header saying what it computes and what it feeds"
    body = render(path, PLACEHOLDERS).text
    assert ";" not in body.replace("';'", ""), "one statement per file"


def test_unknown_placeholder_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "q.sql"
    path.write_text("-- test\nSELECT '${missing}'")
    with pytest.raises(KeyError, match=r"\$\{missing\}"):
        render(path, {})


def test_render_fills_and_strips(tmp_path: Path) -> None:
    path = tmp_path / "q.sql"
    path.write_text("-- header\n-- more\nINSERT INTO t SELECT '${a}';\n")
    statement = render(path, {"a": "1"})
    assert statement.text == "INSERT INTO t SELECT '1'"
    assert statement.insert_target == "t"
    assert insert_target(path) == "t"  # read before rendering, placeholders and all


def test_views_and_inserts_live_apart_each_named_for_what_it_makes() -> None:
    for path in sorted((SQL_ROOT / "views").rglob("*.sql")):
        text = render(path, PLACEHOLDERS).text
        assert re.match(rf"CREATE TEMPORARY VIEW {path.stem.split('_', 1)[1]}\b", text), path
    for path in sorted((SQL_ROOT / "inserts").glob("*.sql")):
        assert insert_target(path) == path.stem.split("_", 1)[1], path
