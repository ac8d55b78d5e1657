"""Entry point of the CDR job.

    python -m jobs.cdr_pipeline stream [--properties FILE] [--checkpoints DIR [--restore latest|PATH]]
                                       [--cluster HOST:PORT] [--set KEY=VALUE ...]
    python -m jobs.cdr_pipeline replay --input PATH --output DIR [--properties FILE] [--archive] [--fraud]
                                       [--cluster HOST:PORT] [--set KEY=VALUE ...]
    python -m jobs.cdr_pipeline check [--sql-dir DIR]
    python -m jobs.cdr_pipeline layout [--properties FILE] [--sql-dir DIR] [--against FILE | --write FILE]

`stream` reads the Kinesis stream and writes DynamoDB (on MSF it is what runs, with MSF's
properties file). Locally, `--checkpoints DIR` keeps its checkpoints in DIR after it stops,
however it stops (cancelled, failed, killed), and `--restore latest` starts it again from the
newest of them: nothing lost, nothing counted twice; `--cluster HOST:PORT` submits it to a
Flink session cluster's REST endpoint instead of a local minicluster; `--set` overrides a Flink
setting of flink-conf/ (e.g. `execution.checkpointing.interval=5 s`, `rest.port=8081` to watch
a local run in Flink's web UI). `replay` runs the same SQL over JSON
Lines/Parquet files and writes every result table as Parquet under DIR/<table>/ (PATH and DIR
local or s3://; `--cluster` runs it on a session cluster): backfills, rerating, analysts'
experiments. `check` plans every SQL file of both profiles against the
real schemas without running anything (the Python stages' views are their declarations in
sql/python/) and prints each refused statement as FILE:LINE: message (exit 1); `--sql-dir`
checks another copy of sql/ (an analyst's edit) the same way. `layout` plans the streaming job
and prints its stateful operators by uid; `--against` the running version's layout (written with
`--write` when it was deployed) it says whether that version's snapshot restores into this one:
which operators keep their state, which start empty, and which would lose or mix it (exit 1).
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
from pyflink.datastream import StreamExecutionEnvironment

from jobs import config as job_config
from jobs import replay_io, state_layout
from jobs.flink_env import create_envs, create_table_env
from jobs.metrics_sink import attach_metrics
from jobs.pipeline import FRAUD_SINKS, SqlProblem, build_pipeline, own_tables, replay_source
from jobs.replay_io import LINES_PATTERN, STORED_PATTERN, Location, arrow_type, survey_input, table_rows
from jobs.sql_files import SQL_ROOT


@dataclass
class ReplaySummary:
    input_records: int
    seconds: float
    rows: dict[str, int]
    rejected_by_reason: dict[str, int] = field(default_factory=dict)

    def report(self) -> str:
        rejected = self.rows.get("dead_letters", 0)
        valid = self.input_records - rejected
        lines = [f"Replayed {self.input_records:,} records in {self.seconds:.1f} s "
                 f"({self.input_records / max(self.seconds, 1e-9):,.0f} records/s)",
                 f"  valid: {valid:,}   dead letters: {rejected:,}"]
        lines += [f"    {reason}: {count:,}" for reason, count in sorted(self.rejected_by_reason.items())]
        lines += [f"  {table}: {count:,} rows" for table, count in sorted(self.rows.items())]
        return "\n".join(lines)


def _schema(t_env, table: str) -> pa.Schema:
    with t_env.execute_sql(f"DESCRIBE {table}").collect() as rows:
        return pa.schema([pa.field(row[0], arrow_type(row[1])) for row in rows])


def run_replay(input_path: str | Path, output: str | Path, properties: Path | None, *, archive: bool = False,
               tariffs: Path | None = None, tax_rate: str | None = None, fraud: bool = False,
               flink_settings: dict[str, str] | None = None, cluster: str | None = None) -> ReplaySummary:
    """Replays files through the job's SQL (batch execution) into DIR/<table>/ Parquet.

    `input_path` and `output` are local paths or s3:// URIs (Flink reads and writes them
    itself; `flink_settings` may give `s3.endpoint` of an emulator, for pyarrow as for Flink).
    `archive` also writes every distinct valid record, all columns and its raw text, to
    DIR/cdr_archive/dt=.../hour=.../ exactly as the streaming job archives to S3 (it costs
    about a third of the replay's time: see docs/benchmarks.md). `tariffs` and `tax_rate`
    override the configuration's: rerating archived CDRs under a new tariff. `fraud` runs the
    fraud rules too (DIR/fraud_alerts/, DIR/fraud_tagged_calls/, alerts in the minute metrics):
    every outgoing leg then crosses into Python, which makes a replay about twice as slow
    (docs/benchmarks.md). `flink_settings` override flink-conf/ (benchmarks compare Python
    modes with it); `cluster` ("host:port") runs it on a Flink session cluster, whose
    TaskManagers must reach the input, the output and the tariffs."""
    config = job_config.load_replay(properties).with_billing(tariffs, tax_rate)
    settings = {**(flink_settings or {}), **(cluster_settings(cluster) if cluster else {})}
    skipped = ({"cdr_archive"} if not archive else set()) | \
        (set(FRAUD_SINKS) if not (fraud and config.fraud.enabled) else set())
    started = time.monotonic()
    source = Location.of(input_path, settings.get("s3.endpoint", ""))
    out = Location.of(output, settings.get("s3.endpoint", ""))
    survey = survey_input(source)
    tables = [table for table in own_tables("replay") if table not in skipped]
    partitioned = [table for table in ("cdr_archive", "fraud_tagged_calls") if table not in skipped]
    for table in tables + partitioned:  # Flink adds files to a folder
        out.child(table).clear()
    t_env = create_table_env(managed=False, batch=True, overrides=settings)
    statements = build_pipeline(t_env, config, "replay", {
        "input_path": source.uri, "lines_pattern": LINES_PATTERN, "stored_pattern": STORED_PATTERN,
        "output_path": out.uri, "archive_path": out.child("cdr_archive").uri,
        "fraud_tagged_path": out.child("fraud_tagged_calls").uri}, skipped,
        raw_source=replay_source(survey.lines_files, survey.stored_files))
    statements.execute().wait()
    rows = {table: table_rows(out.child(table), _schema(t_env, table)) for table in tables}
    rows.update({table: replay_io.rows(out.child(table)) for table in partitioned})
    columns = {"dead_letters": ["reason"], "pipeline_minutely": ["records_in"]}
    read = {table: replay_io.dataset(out.child(table)).to_table(columns=names) for table, names in columns.items()}
    reasons = collections.Counter(read["dead_letters"].column("reason").to_pylist())
    records = sum(count or 0 for count in read["pipeline_minutely"].column("records_in").to_pylist())
    return ReplaySummary(records, time.monotonic() - started, rows, dict(reasons))


def latest_checkpoint(folder: Path) -> Path | None:
    """The newest completed checkpoint under a checkpoint folder (any job's), or None."""
    done = [metadata.parent for metadata in folder.glob("*/chk-*/_metadata")]
    return max(done, key=lambda chk: chk.stat().st_mtime_ns) if done else None


def checkpoint_settings(checkpoints: Path, restore: str | None = None) -> dict[str, str]:
    """Flink settings of a local run that keeps its checkpoints in `checkpoints` and, with
    `restore` ("latest" or a chk-N/savepoint path), starts from one."""
    settings = {"execution.checkpointing.dir": checkpoints.resolve().as_uri(),
                "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION"}
    if restore is not None:
        start = latest_checkpoint(checkpoints) if restore == "latest" else Path(restore)
        if start is None:
            raise FileNotFoundError(f"no completed checkpoint under {checkpoints}")
        settings["execution.state-recovery.path"] = start.resolve().as_uri()
    return settings


def cluster_settings(address: str) -> dict[str, str]:
    """Settings that submit to a session cluster's REST endpoint, "host:port"."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise job_config.ConfigError("--cluster", f"must be HOST:PORT (the JobManager's REST endpoint), "
                                     f"got {address!r}")
    return {"execution.target": "remote", "rest.address": host, "rest.port": port}


def assemble_stream(config: job_config.StreamingConfig, overrides: dict[str, str],
                    sql_root: Path = SQL_ROOT) -> StreamExecutionEnvironment:
    """The streaming job attached to its stream environment, ready to execute (or to be read)."""
    env, t_env = create_envs(managed=config.managed, overrides=overrides)
    # A network buffer leaves when full or after this long. At a few hundred CDRs/s no buffer
    # fills, so each flush carries a record or two through every exchange; Flink's 100 ms
    # measured 20 % less CPU per CDR than 10 ms (docs/benchmarks.md, Streaming capacity).
    env.set_buffer_timeout(config.tuning.buffer_timeout_ms)
    # A fraud alert must not wait for a bundle of Python input to fill (process mode, as on
    # MSF, bundles for up to 1 s by default); thread mode hands over each record anyway.
    t_env.get_config().set("python.fn-execution.bundle.time", "100")
    statements = build_pipeline(t_env, config, "stream", sql_root=sql_root)
    if config.metrics.enabled:
        attach_metrics(t_env, statements, config.metrics)
    statements.attach_as_datastream()
    return env


def run_stream(properties: Path | None, flink_settings: dict[str, str] | None = None,
               checkpoints: Path | None = None, restore: str | None = None, cluster: str | None = None,
               sql_root: Path = SQL_ROOT) -> None:
    """Runs the streaming job; locally it blocks until the job ends (bounded source) or fails.
    `flink_settings` override flink-conf/ in a local run; `checkpoints` and `restore` as
    `checkpoint_settings` says; `cluster` ("host:port") submits to a session cluster;
    `sql_root` an edited copy of sql/ (what `check` and `layout` read with --sql-dir)."""
    config = job_config.load_streaming(properties)
    if config.managed and (checkpoints is not None or cluster is not None):
        raise job_config.ConfigError("--checkpoints, --cluster", "are MSF's to set on MSF (its checkpoints, "
                                     "restores and cluster)")
    env = assemble_stream(config, {**config.sinks.flink_settings(),
                                   **(checkpoint_settings(checkpoints, restore) if checkpoints else {}),
                                   **(cluster_settings(cluster) if cluster else {}),
                                   **(flink_settings or {})}, sql_root)
    client = env.execute_async("cdr-pipeline")
    if not config.managed:
        client.get_job_execution_result().result()


def stream_layout(properties: Path | None = None, sql_root: Path = SQL_ROOT) -> state_layout.Layout:
    """The streaming job's operators by uid (jobs/state_layout.py), planned, not run."""
    config = job_config.load_streaming(properties or EXAMPLE_PROPERTIES)
    return state_layout.read_layout(assemble_stream(config, {}, sql_root))


# The deployed shape of the streaming configuration: what a check plans the stream profile with.
EXAMPLE_PROPERTIES = Path(__file__).resolve().parent.parent / "deploy" / "kinesis-analytics" / \
    "application_properties.example.json"
# Where a replay's files would be: a check reads none of them.
CHECK_PATHS = {"input_path": "file:///check/input", "lines_pattern": LINES_PATTERN,
               "stored_pattern": STORED_PATTERN, "output_path": "file:///check/out", "archive_path": "file:///check/archive",
               "fraud_tagged_path": "file:///check/tagged"}


def check(sql_root: Path = SQL_ROOT) -> list[SqlProblem]:
    """Every statement of both profiles planned, nothing run; what Flink refused, each once."""
    problems: list[SqlProblem] = []
    build_pipeline(create_table_env(managed=False, batch=True), job_config.load_replay(None), "replay",
                   CHECK_PATHS, sql_root=sql_root, problems=problems)
    _, t_env = create_envs(managed=False)
    build_pipeline(t_env, job_config.load_streaming(EXAMPLE_PROPERTIES), "stream", sql_root=sql_root,
                   problems=problems)
    unique = {(problem.path, problem.line, problem.message): problem for problem in problems}
    return list(unique.values())


def _layout(properties: Path | None, sql_root: Path, against: Path | None, write: Path | None) -> int:
    layout = stream_layout(properties, sql_root)
    if write is not None:
        state_layout.save(layout, write)
        print(f"{write}: {len(layout)} operators")
    elif against is not None:
        change = state_layout.compare(state_layout.load(against), layout)
        print(change.report())
        return 0 if change.restores else 1
    else:
        for uid, operator in layout.items():
            print(f"{uid}\t{operator}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs.cdr_pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    modes = parser.add_subparsers(dest="mode")
    stream = modes.add_parser("stream", help="Kinesis in, DynamoDB out")
    stream.add_argument("--properties", type=Path, help="application_properties.json (MSF format)")
    stream.add_argument("--checkpoints", type=Path, help="keep checkpoints in DIR, even after the job stops")
    stream.add_argument("--restore", metavar="latest|PATH",
                        help="start from the newest checkpoint in --checkpoints DIR, or from a chk-N folder")
    stream.add_argument("--set", metavar="KEY=VALUE", action="append", default=[], dest="settings",
                        help="a Flink setting for a local run (repeatable)")
    stream.add_argument("--cluster", metavar="HOST:PORT",
                        help="submit to this Flink session cluster (its REST endpoint) instead of a local minicluster")
    stream.add_argument("--sql-dir", type=Path, default=SQL_ROOT,
                        help="run an edited copy of sql/ (check it first with `check --sql-dir`; default: sql/)")
    checking = modes.add_parser("check", help="plan every SQL file of both profiles; report errors by file and line")
    checking.add_argument("--sql-dir", type=Path, default=SQL_ROOT, help="a copy of sql/ to check (default: sql/)")
    layout = modes.add_parser("layout", help="the streaming job's operators by uid: does a snapshot restore?")
    layout.add_argument("--properties", type=Path, help="application_properties.json (default: the example)")
    layout.add_argument("--sql-dir", type=Path, default=SQL_ROOT, help="a copy of sql/ (default: sql/)")
    written = layout.add_mutually_exclusive_group()
    written.add_argument("--against", type=Path, help="the running version's layout: does its snapshot restore?")
    written.add_argument("--write", type=Path, help="write the layout to FILE (keep it with the deployed version)")
    replay = modes.add_parser("replay", help="files in, Parquet out")
    replay.add_argument("--input", required=True,
                        help="a JSONL or Parquet file, or a folder of them: a local path or an s3:// URI")
    replay.add_argument("--output", required=True,
                        help="DIR (a local path or an s3:// URI): results go to DIR/<table>/")
    replay.add_argument("--properties", type=Path, help="application_properties.json (CdrJob group)")
    replay.add_argument("--archive", action="store_true",
                        help="also archive every valid record to DIR/cdr_archive/ (as to S3 in streaming)")
    replay.add_argument("--fraud", action="store_true",
                        help="also run the fraud rules: DIR/fraud_alerts/ and DIR/fraud_tagged_calls/")
    replay.add_argument("--tariffs", type=Path,
                        help="a tariff folder (or single-tariff CSV) to rate with (overrides CdrBilling.tariffs)")
    replay.add_argument("--tax-rate", help="tax rate, e.g. 0.2 (overrides CdrBilling.tax.rate)")
    replay.add_argument("--set", metavar="KEY=VALUE", action="append", default=[], dest="settings",
                        help="a Flink setting (repeatable), e.g. s3.endpoint=URL of an S3 emulator")
    replay.add_argument("--cluster", metavar="HOST:PORT",
                        help="run on this Flink session cluster (its REST endpoint) instead of a local minicluster")
    args = parser.parse_args(argv)
    try:
        if args.mode == "check":
            problems = check(args.sql_dir.resolve())
            for problem in problems:
                print(problem)
            print(f"{len(problems)} problem(s) in {args.sql_dir}" if problems
                  else f"{args.sql_dir}: every statement plans")
            return 1 if problems else 0
        if args.mode == "layout":
            return _layout(args.properties, args.sql_dir.resolve(), args.against, args.write)
        settings = dict(item.partition("=")[::2] for item in getattr(args, "settings", []))
        if any(not key or not value for key, value in settings.items()):
            parser.error("--set takes KEY=VALUE")
        if args.mode == "replay":
            print(run_replay(args.input, args.output, args.properties, archive=args.archive, fraud=args.fraud,
                             tariffs=args.tariffs, tax_rate=args.tax_rate, flink_settings=settings,
                             cluster=args.cluster).report())
        else:  # no arguments: how MSF starts the application
            if getattr(args, "restore", None) and not args.checkpoints:
                parser.error("--restore needs --checkpoints DIR")
            run_stream(getattr(args, "properties", None), flink_settings=settings,
                       checkpoints=getattr(args, "checkpoints", None), restore=getattr(args, "restore", None),
                       cluster=getattr(args, "cluster", None), sql_root=getattr(args, "sql_dir", SQL_ROOT).resolve())
    except (job_config.ConfigError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
