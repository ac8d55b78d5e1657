"""Assembles the job from the SQL files: functions, one profile's sources and sinks, queries.

Only the two ends differ between profiles ('stream': Kinesis in, DynamoDB out; 'replay':
files in, files out); every view and INSERT in sql/queries/ is shared, so a replay proves what
production runs. Result columns are written once (sql/tables/) and each profile's sink takes
them with LIKE. An INSERT whose target table the profile does not define is left out.
"""

from __future__ import annotations

from typing import Collection, Mapping

from pyflink.table import StatementSet, TableEnvironment

from jobs.config import JobConfig
from jobs.sql_files import folder, render


def configure_tables(t_env: TableEnvironment, config: JobConfig) -> None:
    """Table settings every run needs, managed or not (MSF does not own these)."""
    table_config = t_env.get_config()
    # Windows and timestamps in UTC, whatever the machine's zone.
    table_config.set("table.local-time-zone", "UTC")
    # An idle shard must not hold back event time (and the windows) for everyone.
    table_config.set("table.exec.source.idle-timeout", config.tuning.source_idle_timeout)
    # Bounds the recordId deduplication state; window state is cleared by watermarks, and the
    # monthly bills keep theirs longer (a STATE_TTL hint in their SQL).
    table_config.set("table.exec.state.ttl", config.tuning.dedup_ttl)
    # Running totals (monthly bills) are updated in batches of up to 2 s, not per record: far
    # fewer DynamoDB writes, still well inside the one-minute freshness a bill needs.
    table_config.set("table.exec.mini-batch.enabled", "true")
    table_config.set("table.exec.mini-batch.allow-latency", "2 s")
    table_config.set("table.exec.mini-batch.size", "5000")
    # The tariff and tax rate for RATE_CALL, as checked by udfs/rating.py.
    table_config.set("pipeline.global-job-parameters", ",".join(
        f"{key}:{value}" for key, value in config.billing.job_parameters().items()))


def build_pipeline(t_env: TableEnvironment, config: JobConfig, profile: str,
                   extra_placeholders: Mapping[str, str] | None = None,
                   skip_sinks: Collection[str] = ()) -> StatementSet:
    """Registers functions, sources, sinks and views; returns the INSERTs as one statement set.

    `skip_sinks` leaves result tables out (and with them the work that only feeds them)."""
    values = {**config.placeholders(), **(extra_placeholders or {})}
    configure_tables(t_env, config)
    for path in folder("functions") + folder("tables") + folder(f"sources/{profile}"):
        t_env.execute_sql(render(path, values).text)
    sinks = set()
    for path in folder(f"sinks/{profile}"):
        if path.stem in skip_sinks:
            continue
        t_env.execute_sql(render(path, values).text)
        sinks.add(path.stem)
    statements = t_env.create_statement_set()
    for path in folder("queries"):
        statement = render(path, values)
        if not statement.is_insert:
            t_env.execute_sql(statement.text)
        elif statement.insert_target in sinks:
            statements.add_insert_sql(statement.text)
    return statements


def sink_tables(profile: str) -> list[str]:
    """The result tables a profile writes, by name."""
    return [path.stem for path in folder(f"sinks/{profile}")]
