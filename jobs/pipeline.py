"""Assembles the job: functions, one profile's sources and sinks, the stages, the INSERTs.

Only the two ends differ between profiles ('stream': Kinesis in, DynamoDB out; 'replay':
files in, files out); every view and INSERT is shared, so a replay proves what production
runs. Result columns are written once (sql/tables/) and each profile's sink takes them with
LIKE. The stages run in the order `STAGES` lists: SQL views (sql/views/<stage>/) and the two
Python stages, whose views are declared in sql/python/. Then every INSERT (sql/inserts/),
except those into a table the profile does not define.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from pyflink.java_gateway import get_gateway
from pyflink.table import Schema, StatementSet, StreamTableEnvironment, Table, TableEnvironment
from pyflink.table.expressions import col

from jobs.config import ReplayConfig
from jobs.fraud_detection import attach_fraud_detection
from jobs.logical_calls import attach_logical_calls
from jobs.sql_files import SQL_ROOT, comment_lines, folder, grains, insert_target, render, statement_target
from jobs.state_layout import STABLE_UIDS, restart_numbering
from stream_io.subscriber_classes import SubscriberClasses, read_text


def configure_tables(t_env: TableEnvironment, config: ReplayConfig) -> None:
    """Table settings every run needs, managed or not (MSF does not own these)."""
    table_config = t_env.get_config()
    # Windows and timestamps in UTC, whatever the machine's zone.
    table_config.set("table.local-time-zone", "UTC")
    # Idleness is the Kinesis source's: a shard is idle only once caught up (its
    # 'source.shard.idle-timeout'). Flink's idleness by time alone also marks a shard idle
    # while its records wait behind another shard's backlog, and they come late; off.
    table_config.set("table.exec.source.idle-timeout", "0 ms")
    # Bounds the recordId deduplication state; window state is cleared by watermarks, and the
    # monthly bills keep theirs longer (a STATE_TTL hint in their SQL).
    table_config.set("table.exec.state.ttl", config.tuning.dedup_ttl)
    # Operators keep their uids (their plan node's number) when statements are appended, so a
    # snapshot restores into a job with a new INSERT; jobs/state_layout.py tells which edits keep state.
    for key, value in STABLE_UIDS.items():
        table_config.set(key, value)
    # No mini-batch: it turns the recordId deduplication into an updating stream (Flink 2.2
    # marks mini-batch first-row deduplication not insert-only), which the event-time windows
    # and the shared cdr_final stream cannot take. Running totals are coalesced instead by the
    # DynamoDB sink, which keeps one pending write per key until it flushes (1 s).

    # Python operators (fraud rules, Timestream writer) inside the JVM: measured 3.2x faster than
    # process mode, and process mode reorders a batch replay's timers (bench/python_modes.py).
    table_config.set("python.execution-mode", config.tuning.python_execution_mode)

    # The rating plans for RATE_LEG, as checked by domain/tariff_files.py, and where to re-read them;
    # each value quoted (Flink's map syntax), as a URI holds ':'.
    table_config.set("pipeline.global-job-parameters", ",".join(
        f"{key}:'{value.replace(chr(39), chr(39) * 2)}'" for key, value in config.billing.job_parameters().items()))


class SqlProblem(Exception):
    """A statement Flink refused, with the file it came from (a check reports these)."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


def replay_source(lines_files: Collection[str], stored_files: Collection[str]) -> str | None:
    """The one source a replay reads when its input holds one kind of file (cdr_lines for JSON
    Lines, cdr_stored_raw for stored Parquet), else None: both, through cdr_raw's union
    (sql/sources/replay/30_cdr_raw.sql says why one kind reads its source alone)."""
    if lines_files and stored_files:
        return None
    return "cdr_lines" if lines_files else "cdr_stored_raw"


def build_pipeline(t_env: StreamTableEnvironment, config: ReplayConfig, profile: str,
                   extra_placeholders: Mapping[str, str] | None = None,
                   skip_sinks: Collection[str] = (), *, sql_root: Path = SQL_ROOT,
                   problems: list[SqlProblem] | None = None, raw_source: str | None = None) -> StatementSet:
    """Registers functions, sources, sinks and views; returns the INSERTs as one statement set.

    `raw_source` (a replay, `replay_source`) makes cdr_raw that source alone, not the union.
    `skip_sinks` leaves result tables out (and with them the work that only feeds them).
    With `problems` (a check: `python -m jobs.cdr_pipeline check`), nothing will run: the
    Python stages' views are their declarations (sql/python/), each INSERT is planned alone,
    and every refused statement is added to `problems` with its file and line."""
    values = {**config.placeholders(), **(extra_placeholders or {})}
    if not config.fraud.enabled:
        skip_sinks = {*skip_sinks, *FRAUD_SINKS}
    configure_tables(t_env, config)
    restart_numbering(t_env)

    def execute(path: Path, action: Callable[[str], object] = t_env.execute_sql,
                at: tuple[str | None, ...] | None = None) -> bool:
        """Hands the file's statement at each of its grains (or those `at`) to `action`: run, add or plan."""
        try:
            for grain in at or grains(path):
                action(render(path, values, grain).text)
            return True
        except Exception as error:  # Flink's parser and planner errors arrive as Py4J errors
            if problems is None:
                raise
            problems.append(_problem(path, error))
            return False

    for path in folder("functions", sql_root) + folder("tables", sql_root) + folder(f"sources/{profile}", sql_root):
        if raw_source is not None and path.stem.split("_", 1)[-1] == "cdr_raw":
            t_env.create_temporary_view("cdr_raw", t_env.from_path(raw_source))
        else:
            execute(path)
    sinks = set()
    for path in folder(f"sinks/{profile}", sql_root) + folder("sinks/shared", sql_root):
        if path.stem not in skip_sinks and execute(path):
            sinks.add(path.stem)
    for stage in STAGES:
        if isinstance(stage, PythonStage):
            if problems is None:
                stage.attach(t_env, config, profile, sinks)
            else:
                for view in stage.views:
                    execute(sql_root / "python" / f"{view}.sql")
            continue
        for path in folder(f"views/{stage}", sql_root):
            view = path.stem.split("_", 1)[-1]
            if execute(path) and view in SHARED_VIEWS and problems is None:
                _share(t_env, view)
    statements = t_env.create_statement_set()
    add = statements.add_insert_sql if problems is None else t_env.explain_sql

    def insert(statement: str) -> None:
        target = _target_of(statement)
        add(latest_row_insert(t_env, statement, *LATEST_ROW[target])
            if profile == "replay" and target in LATEST_ROW else statement)

    for path in folder("inserts", sql_root):
        for grain in grains(path):
            if insert_target(path, grain) in sinks:
                execute(path, insert, at=(grain,))
    return statements


# The tables a stream upserts (DynamoDB keeps each key's last write): a replay writes files,
# which have no upsert, so it keeps each key's latest row itself, as the upsert would have
# left it: (key, the columns that order a key's rows, the latest last). Rows a key's order cannot
# tell apart are the same row written again, so every replay keeps the same rows wherever it runs.
LATEST_ROW: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # a late leg re-emits its call whole, with the next revision
    "logical_calls": (("linked_id",), ("revision", "completed_at")),
    # an escalation (WARNING to CRITICAL) keeps its alert's id, later or at a greater count
    "fraud_alerts": (("alert_id",), ("detected_at", "observed")),
    # a later block of the same target replaces the earlier one
    "fraud_blocks": (("target",), ("blocked_at", "alert_id")),
}


def latest_row_insert(t_env: TableEnvironment, insert: str, key: tuple[str, ...], order: tuple[str, ...]) -> str:
    """The INSERT that writes, of the rows `insert` would write, each key's latest only.

    The INSERT's query is named after the table's own columns (its SELECT list may hold
    expressions), then ranked per key in batch (a sort: no state kept per key)."""
    target = _target_of(insert)
    query = insert[re.match(r"\s*INSERT\s+INTO\s+\w+", insert, re.IGNORECASE).end():]  # type: ignore[union-attr]
    columns = t_env.from_path(target).get_schema().get_field_names()
    t_env.create_temporary_view(f"{target}_all_rows", t_env.sql_query(query).alias(*columns))
    quoted = ", ".join(f"`{name}`" for name in columns)
    return (f"INSERT INTO {target} SELECT {quoted} FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "
            f"{', '.join(key)} ORDER BY {', '.join(f'`{name}` DESC' for name in order)}) AS row_num "
            f"FROM {target}_all_rows) WHERE row_num = 1")


def _target_of(insert: str) -> str:
    target = statement_target(insert)
    assert target is not None, insert
    return target


def _problem(path: Path, error: Exception) -> SqlProblem:
    """The first line of Flink's message, its line number counted in the file (Flink counts
    from the statement, after the comment header); an error without a place (some parse
    errors) is put on the statement's first line."""
    text = str(error)
    message = next((line.strip() for line in text.splitlines()
                    if "Exception:" in line or "failed" in line), text.splitlines()[0] if text else repr(error))
    message = re.sub(r"^.*?(org\.apache\.flink\.[\w.]+Exception|java\.lang\.\w+Exception): ", "", message)
    message = re.sub(r"^(SQL \w+ failed\. )+", r"\1", message)  # Flink repeats it for a nested cause
    header = comment_lines(path)
    where = re.search(r"line (\d+), column (\d+)", text)
    line = header + (int(where.group(1)) if where else 1)
    message = re.sub(r"line (\d+)", lambda found: f"line {header + int(found.group(1))}", message)
    return SqlProblem(path, line, message)


def _share(t_env: StreamTableEnvironment, view: str) -> None:
    """Replaces a view by the one stream it computes, so every INSERT reading it shares that
    stream instead of planning the view again: the planner re-derives a view per INSERT, and
    a view over a source means one more source (a second read of the Kinesis stream or of the
    files) and one more parse and deduplication per result table.

    Event time and its watermarks carry through; a processing-time attribute (ingest_time) is
    declared anew on the shared stream, as the deduplication needs one. The crossing uses the
    Java API with Flink's internal rows: PyFlink's own DataStream types cannot carry DECIMAL
    or ARRAY columns.
    """
    table = t_env.from_path(view)
    proctime = _proctime_column(table)
    if proctime is not None:
        table = table.drop_columns(col(proctime))
    j_table = table._j_table
    internal = j_table.getResolvedSchema().toPhysicalRowDataType().bridgedTo(
        get_gateway().jvm.java.lang.Class.forName("org.apache.flink.table.data.RowData"))
    stream = t_env._j_tenv.toDataStream(j_table, internal)
    schema = Schema.new_builder().watermark("event_time", "SOURCE_WATERMARK()")
    if proctime is not None:
        schema = schema.column_by_expression(proctime, "PROCTIME()")
    t_env.drop_temporary_view(view)
    t_env.create_temporary_view(view, Table(t_env._j_tenv.fromDataStream(stream, schema.build()._j_schema), t_env))


def _proctime_column(table: Table) -> str | None:
    """The view's processing-time attribute, if it has one (a column of the same name that is
    a plain timestamp, as the archive's ingest_time, crosses as it is)."""
    checks = get_gateway().jvm.org.apache.flink.table.types.logical.utils.LogicalTypeChecks
    for column in table._j_table.getResolvedSchema().getColumns():
        if checks.isProctimeAttribute(column.getDataType().getLogicalType()):
            return str(column.getName())
    return None


FRAUD_SINKS = frozenset({"fraud_alerts", "fraud_blocks", "fraud_tagged_calls"})


def _logical_calls(t_env: StreamTableEnvironment, config: ReplayConfig, profile: str, sinks: set[str]) -> None:
    attach_logical_calls(t_env, config.tuning.call_quiet_period_s, config.tuning.call_max_age_s,
                         replay=profile == "replay")


def _fraud_detection(t_env: StreamTableEnvironment, config: ReplayConfig, profile: str, sinks: set[str]) -> None:
    rules = config.fraud.rules if sinks & FRAUD_SINKS else None  # off: fraud_detected is empty
    # A live record is up to the watermark's lateness ahead of it, plus some slack.
    attach_fraud_detection(t_env, rules, ordered=profile == "replay",
                           in_sync_ms=(config.tuning.watermark_lateness_s + 10) * 1000,
                           notifications=config.fraud.notifications if profile == "stream" else None,
                           classes=_subscriber_classes(config, profile) if rules is not None else None,
                           route_limits=config.route_alarms.limits
                           if rules is not None and config.route_alarms.enabled else None)


def _subscriber_classes(config: ReplayConfig, profile: str) -> SubscriberClasses | None:
    """The reference data of subscriber classes, read and checked now (a bad file stops the job
    here, naming its line); a replay reads it once."""
    fraud = config.fraud
    if not fraud.subscriber_classes:
        return None
    sinks = getattr(config, "sinks", None)
    read = functools.partial(read_text, region=sinks.region if sinks else "",
                             endpoint=sinks.s3_endpoint if sinks else "")
    known = {*fraud.rules.class_levels, *fraud.rules.class_actions}
    return SubscriberClasses(fraud.subscriber_classes, known, fraud.classes_reload_s if profile == "stream" else 0,
                             read=read)


@dataclass(frozen=True)
class PythonStage:
    """A stage in Python: reads views made before it, makes the views its declaration in
    sql/python/ names (tests/integration/test_python_stages.py holds them equal)."""

    name: str
    attach: Callable[[StreamTableEnvironment, ReplayConfig, str, set[str]], None]
    views: tuple[str, ...]


# The job's stages in order: a name is a folder of views under sql/views/.
STAGES: tuple[str | PythonStage, ...] = (
    "records",
    "legs",
    PythonStage("leg attribution (jobs/logical_calls.py)", _logical_calls, ("multi_leg_calls", "multi_leg_billing")),
    "rating",
    "fraud",
    "quality",
    PythonStage("fraud rules and route alarms (jobs/fraud_detection.py, jobs/route_alarms.py)", _fraud_detection,
                ("fraud_detected",)),
    "metrics",
    "archive",
)

# Views several INSERTs read, computed once and shared (see _share).
SHARED_VIEWS = ("cdr_parsed", "cdr_final")


def own_tables(profile: str) -> list[str]:
    """The result tables of a profile's own sinks."""
    return [path.stem for path in folder(f"sinks/{profile}")]

