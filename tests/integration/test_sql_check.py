"""`python -m jobs.cdr_pipeline check`: the SQL as shipped plans in both profiles; a broken
query is reported with its file and its line in that file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pyflink.datastream import StreamExecutionEnvironment

from jobs import state_layout
from jobs.cdr_pipeline import EXAMPLE_PROPERTIES, assemble_stream, check, main, stream_layout
from jobs.config import load_streaming
from jobs.sql_files import SQL_ROOT


def test_the_sql_as_shipped_plans_in_both_profiles() -> None:
    assert [str(problem) for problem in check()] == []


DEPLOYED_LAYOUT = Path(__file__).resolve().parents[2] / "deploy" / "kinesis-analytics" / "state_layout.json"


def test_the_state_layout_in_the_repository_is_this_version_s() -> None:
    """A change to where state lives shows in review: the file is rewritten with the change, after
    `python -m jobs.cdr_pipeline layout --against deploy/kinesis-analytics/state_layout.json`
    has said what a running job would keep (the deploy guide, Change SQL)."""
    change = state_layout.compare(state_layout.load(DEPLOYED_LAYOUT), stream_layout())
    assert (change.added, change.dropped, change.changed) == ({}, {}, {}), change.report()


def test_a_broken_query_is_reported_with_its_file_and_line(tmp_path: Path, capsys) -> None:
    sql = tmp_path / "sql"
    shutil.copytree(SQL_ROOT, sql)
    usage = sql / "inserts" / "10_usage_hourly.sql"
    lines = usage.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "AS answered_calls" in line)
    lines[at] = lines[at].replace("answered", "answred_typo", 1)  # COUNT(*) FILTER (WHERE is_leg AND answred_typo)
    usage.write_text("\n".join(lines) + "\n", encoding="utf-8")
    view = sql / "views" / "metrics" / "20_metrics_by_minute.sql"  # usage_hourly does not read it
    view.write_text(view.read_text(encoding="utf-8").replace("  direction,", "  direktion,", 1), encoding="utf-8")
    view_lines = view.read_text(encoding="utf-8").splitlines()
    view_line = 1 + next(i for i, line in enumerate(view_lines) if "direktion" in line)

    assert main(["check", "--sql-dir", str(sql)]) == 1
    out = capsys.readouterr().out
    assert f"{usage}:{at + 1}: " in out and "answred_typo" in out
    assert f"From line {at + 1}, column" in out  # Flink's own positions are the file's lines too
    assert f"{view}:{view_line}: " in out and "direktion" in out
    assert f"{sql / 'inserts' / '40_metrics_minutely.sql'}:" in out  # it reads the broken view


def test_layout_says_before_a_deploy_that_an_earlier_statement_would_not_restore(tmp_path: Path, capsys) -> None:
    running = tmp_path / "running.json"
    assert main(["layout", "--write", str(running)]) == 0
    sql = tmp_path / "sql"
    shutil.copytree(SQL_ROOT, sql)  # one more result table, its INSERT numbered before the bills'
    (sql / "sinks" / "stream" / "answered_legs.sql").write_text(
        "-- answered_legs: test\n"
        "CREATE TEMPORARY TABLE answered_legs (record_id STRING) WITH ('connector' = 'blackhole')\n",
        encoding="utf-8")
    (sql / "inserts" / "12_answered_legs.sql").write_text(
        "-- answered_legs: test\n"
        "INSERT INTO answered_legs SELECT record_id FROM cdr_final WHERE answer_time IS NOT NULL\n",
        encoding="utf-8")
    capsys.readouterr()
    assert main(["layout", "--sql-dir", str(sql), "--against", str(running)]) == 1
    out = capsys.readouterr().out
    assert "billing_monthly: Writer" in out and "DROPPED" in out and "does NOT restore" in out


def test_the_stream_runs_with_the_configured_buffer_timeout(tmp_path: Path) -> None:
    groups = json.loads(EXAMPLE_PROPERTIES.read_text())
    groups = [*[g for g in groups if g["PropertyGroupId"] != "CdrJob"],
              {"PropertyGroupId": "CdrJob", "PropertyMap": {"buffer-timeout.ms": "250"}}]
    properties = tmp_path / "app.json"
    properties.write_text(json.dumps(groups))
    assert assemble_stream(load_streaming(properties), {}).get_buffer_timeout() == 250


def test_stream_runs_an_edited_copy_of_the_sql(tmp_path: Path, monkeypatch) -> None:
    """`stream --sql-dir`: the job assembled from the copy, here with the capacity bench's source
    (JSON Lines files instead of Kinesis), which must plan as the streaming job's source."""
    sql = tmp_path / "sql"
    shutil.copytree(SQL_ROOT, sql)
    files_source = Path(__file__).resolve().parents[2] / "bench" / "sql" / "cdr_raw_files.sql"
    (sql / "sources" / "stream" / "cdr_raw.sql").write_text(
        files_source.read_text(encoding="utf-8").replace("${capacity_input}", (tmp_path / "in").as_uri()),
        encoding="utf-8")
    plans: list[str] = []

    class Submitted:  # the job is planned, not run
        def get_job_execution_result(self) -> Submitted:
            return self

        def result(self) -> None:
            return None

    def execute_async(env: StreamExecutionEnvironment, name: str) -> Submitted:
        plans.append(env.get_execution_plan())
        return Submitted()

    monkeypatch.setattr(StreamExecutionEnvironment, "execute_async", execute_async)
    example = str(EXAMPLE_PROPERTIES)
    assert main(["stream", "--properties", example, "--sql-dir", str(sql)]) == 0
    assert main(["stream", "--properties", example]) == 0
    edited, shipped = plans
    assert "file.path" in edited and "shard-id" not in edited
    assert "shard-id" in shipped and "file.path" not in shipped
