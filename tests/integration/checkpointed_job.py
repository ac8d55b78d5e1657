"""The whole streaming job in the shared minicluster, keeping its checkpoints in a folder and,
with `restore`, starting from one; and stopping it: what the restart and restore tests run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from jobs.cdr_pipeline import checkpoint_settings
from jobs.config import load_streaming
from jobs.flink_env import create_table_env
from jobs.pipeline import build_pipeline
from jobs.sql_files import SQL_ROOT


def run_checkpointed(properties: Path, checkpoints: Path, restore: str | None = None,
                     interval: str = "1 s", flink_settings: dict[str, str] | None = None,
                     sql_root: Path = SQL_ROOT) -> Any:
    """Submits the job (checkpoints every `interval`; `flink_settings` over flink-conf/; the SQL
    of `sql_root`); returns its TableResult."""
    settings = {"execution.checkpointing.interval": interval, **checkpoint_settings(checkpoints, restore),
                **(flink_settings or {})}
    config = load_streaming(properties)
    t_env = create_table_env(managed=False, overrides={**settings, **config.sinks.flink_settings()})
    return build_pipeline(t_env, config, "stream", sql_root=sql_root).execute()


def stop(result: Any, timeout_s: float = 120.0) -> float:
    """Cancels the job and waits until it has stopped; returns the seconds that took. A cancel
    is acknowledged once requested, while the tasks still run: a restore started then runs
    beside the old job (in a test, in one JVM), which may still read what was put for the new
    one and write bills from it. An operator's restore starts after the old job has stopped."""
    started = time.monotonic()
    result.get_job_client().cancel().result()
    try:
        result.wait(int(timeout_s * 1000))  # returns, or raises, once the job has ended
    except Exception as ended:  # a cancelled job's result is its cancellation
        if "cancel" not in str(ended).lower():
            raise
    return time.monotonic() - started
