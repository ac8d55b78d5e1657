"""Replay throughput: the whole job against a JVM-only SQL baseline, same input, same run.

    python -m bench.replay_throughput [--records 1000000] [--seed 42]

Prints CDRs/s of (a) the job's replay (parse and validate every record on the JVM, dead
letters, dedup, hourly window, Parquet out), (a') the same writing the archive of every valid
record too, and (b) Flink's own JSON format feeding the same dedup and window into a
blackhole, and the ratio a/b. All run in batch execution on this machine's local minicluster;
the job's figures include staging the input and the Parquet conversion, none includes
generating the input.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

from jobs.cdr_pipeline import run_replay
from jobs.flink_env import create_table_env
from jobs.replay_io import count_records
from jobs.sql_files import render
from local.local_aws import PROJECT_ROOT
from synthetic.generate import write_file
from synthetic.traffic import TrafficSpec, generate, to_json

BENCH_SQL = Path(__file__).resolve().parent / "sql"
CACHE = Path(tempfile.gettempdir()) / "cdr-bench"


def input_file(records: int, seed: int) -> Path:
    """Generated CDRs (about `records` of them), cached between runs of the same generator
    (its source's digest is in the file's name)."""
    generator = b"".join((PROJECT_ROOT / "synthetic" / name).read_bytes() for name in ("traffic.py", "call_flows.py"))
    path = CACHE / f"cdrs-{records}-seed{seed}-{hashlib.sha256(generator).hexdigest()[:8]}.jsonl"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        calls = int(records / 1.6)  # START/INTERIM/STOP and retries: ~1.6 records a call
        spec = TrafficSpec(seed=seed, calls=calls, subscribers=max(1_000, records // 100),
                           hours=max(24.0, records / 20_000))
        partial = path.with_suffix(".partial")
        write_file((to_json(r) for r in generate(spec)), partial)
        partial.rename(path)
    return path


def run_baseline(path: Path) -> float:
    t_env = create_table_env(managed=False, batch=True)
    t_env.get_config().set("table.local-time-zone", "UTC")
    values = {"input_path": path.as_uri()}
    for name in ("cdr_json.sql", "cdr_json_final.sql", "usage_hourly_baseline_sink.sql"):
        t_env.execute_sql(render(BENCH_SQL / name, values).text)
    started = time.monotonic()
    t_env.execute_sql(render(BENCH_SQL / "usage_hourly_baseline.sql", values).text).wait()
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replay_throughput", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    path = input_file(args.records, args.seed)
    records = count_records(path)
    print(f"input: {records:,} CDRs, {path.stat().st_size / 1e6:,.0f} MB ({path})")
    baseline_s = run_baseline(path)
    with tempfile.TemporaryDirectory() as out:
        job_s = run_replay(path, Path(out), None).seconds
    with tempfile.TemporaryDirectory() as out:
        archive_s = run_replay(path, Path(out), None, archive=True).seconds
    baseline_rate = records / baseline_s
    print(f"(a) job replay:                {job_s:7.1f} s  {records / job_s:>10,.0f} CDRs/s")
    print(f"(a') job replay with --archive: {archive_s:7.1f} s  {records / archive_s:>10,.0f} CDRs/s")
    print(f"(b) JVM-only SQL baseline:     {baseline_s:7.1f} s  {baseline_rate:>10,.0f} CDRs/s")
    print(f"ratio job / baseline:          {baseline_s / job_s:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
