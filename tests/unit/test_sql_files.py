"""The SQL files: one statement each, a header comment each, placeholders filled or refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jobs.sql_files import GRAINS, SQL_ROOT, grains, insert_target, render

ALL_SQL = sorted(SQL_ROOT.rglob("*.sql"))
PLACEHOLDERS = {name: "x" for name in (
    "watermark_lateness_s", "stream_arn", "aws_region", "kinesis_endpoint", "init_position", "init_timestamp",
    "source_bounded", "source_idle_timeout", "source_empty_fetch_interval", "route_alarm_window_minutes",
    "sink_region", "dynamodb_endpoint", "usage_hourly_table", "dead_letters_table", "input_path",
    "route_quality_minutely_table", "route_causes_minutely_table", "route_quality_hourly_table",
    "route_causes_hourly_table",
    "lines_pattern", "stored_pattern", "output_path", "currency", "billing_state_ttl", "billing_monthly_table",
    "rating_errors_table",
    "archive_path", "dead_letter_store_path", "wangiri_max_ring_ms", "fraud_alerts_table", "fraud_blocks_table",
    "fraud_tagged_path",
    "logical_calls_table", "metrics_minutely_table", "pipeline_minutely_table")}


@pytest.mark.parametrize("path", ALL_SQL, ids=[str(p.relative_to(SQL_ROOT)) for p in ALL_SQL])
def test_each_file_has_a_header_and_one_statement(path: Path) -> None:
    text = path.read_text()
    assert text.startswith("--"), "a comment header saying what it computes and what it feeds"
    for grain in grains(path):
        body = render(path, PLACEHOLDERS, grain).text
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


def test_a_file_using_grain_is_a_statement_per_grain(tmp_path: Path) -> None:
    path = tmp_path / "42_q_grainly.sql"
    path.write_text("-- header\n"
                    "INSERT INTO q_${grain}ly SELECT * FROM TUMBLE(t, INTERVAL '1' ${grain}) WHERE a = '${a}'")
    assert grains(path) == GRAINS == ("minute", "hour")
    assert [insert_target(path, grain) for grain in grains(path)] == ["q_minutely", "q_hourly"]
    assert render(path, {"a": "1"}, "hour").text == \
        "INSERT INTO q_hourly SELECT * FROM TUMBLE(t, INTERVAL '1' hour) WHERE a = '1'"
    with pytest.raises(KeyError, match=r"\$\{grain\}"):
        render(path, {"a": "1"})  # never rendered without its grain
    path.write_text("-- header\nSELECT 1")
    assert grains(path) == (None,)


def test_views_and_inserts_live_apart_each_named_for_what_it_makes() -> None:
    """A file's name is its view's or table's; `grain` in it stands for the grain it is rendered at."""
    for path in sorted((SQL_ROOT / "views").rglob("*.sql")):
        for grain in grains(path):
            text = render(path, PLACEHOLDERS, grain).text
            name = path.stem.split("_", 1)[1].replace("grain", grain or "grain")
            assert re.match(rf"CREATE TEMPORARY VIEW {name}\b", text), path
    for path in sorted((SQL_ROOT / "inserts").glob("*.sql")):
        for grain in grains(path):
            assert insert_target(path, grain) == path.stem.split("_", 1)[1].replace("grain", grain or "grain"), path
