"""bench.cores: the job on some cores, the benchmark's own work on the others; bench.flink_log."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import pytest

from bench.cores import CORES, on_cores, parse_cores
from bench.flink_log import first_split_added


def test_a_part_of_the_cores_is_accepted_all_or_none_or_junk_is_not(monkeypatch) -> None:
    monkeypatch.setattr("bench.cores.CORES", frozenset({0, 1, 2, 3}))  # whatever this machine has
    assert parse_cores("0") == {0}
    assert parse_cores("1,3") == {1, 3}
    with pytest.raises(ValueError, match="not all"):
        parse_cores("0,1,2,3")
    with pytest.raises(ValueError, match="core numbers"):
        parse_cores("first")
    with pytest.raises(ValueError, match="not all"):
        parse_cores("4")


def test_the_jobs_process_and_what_it_starts_run_on_its_cores_only() -> None:
    job_core = max(CORES)
    grandchild = "import os, subprocess, sys; subprocess.run([sys.executable, '-c', " \
                 "'import os; print(sorted(os.sched_getaffinity(0)))'])"
    shown = subprocess.run([sys.executable, "-c", grandchild], preexec_fn=on_cores(frozenset({job_core})),
                           capture_output=True, text=True, check=True).stdout
    assert shown.strip() == f"[{job_core}]"
    assert os.sched_getaffinity(0) == CORES  # this process untouched
    assert on_cores(None) is None


def test_the_first_split_is_read_off_the_flink_log(tmp_path) -> None:
    assert first_split_added(tmp_path) is None
    (tmp_path / "flink-taskexecutor-0.log").write_text(
        "2026-12-05 08:00:01,250 INFO  SourceCoordinator - Starting\n"
        "2026-12-05 08:00:02,500 INFO  SourceReaderBase - Adding split(s) to reader: [shard-0]\n")
    # Flink logs local time, as the benchmark's clock reads it
    assert first_split_added(tmp_path) == datetime(2026, 12, 5, 8, 0, 2, 500_000).timestamp()
