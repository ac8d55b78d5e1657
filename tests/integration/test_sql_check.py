"""`python -m jobs.cdr_pipeline check`: the SQL as shipped plans in both profiles; a broken
query is reported with its file and its line in that file."""

from __future__ import annotations

import shutil
from pathlib import Path

from jobs.cdr_pipeline import check, main
from jobs.sql_files import SQL_ROOT


def test_the_sql_as_shipped_plans_in_both_profiles() -> None:
    assert [str(problem) for problem in check()] == []


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
