"""Replay throughput: the whole job against a JVM-only SQL baseline, same input, same run.

    python -m bench.replay_throughput [--records 1000000] [--seed 42] [--runs 3]
                                      [--variants job,archive,fraud] [--files 1]

Prints CDRs/s of the job's replay (parse and validate every record on the JVM, dead letters,
dedup, every result table as Parquet) — as it is ('job'), writing the archive of every valid
record too ('archive'), with the fraud rules ('fraud') — and of Flink's own JSON format feeding
the same dedup and hourly window into a blackhole (the baseline), each variant's ratio to the
baseline of the same round, and over several rounds the median and spread. All run in batch
execution on this machine's local minicluster; the job's figures include checking the input
and counting the result tables' rows, none includes generating the input. A file is one split,
read by one subtask: `--files N` cuts the same records into N files, as an archive of many files
is, for both sides.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

from jobs.cdr_pipeline import run_replay
from jobs.flink_env import create_table_env
from jobs.replay_io import Location, read_lines
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


def input_folder(records: int, seed: int, files: int) -> Path:
    """`input_file`'s records cut into `files` JSON Lines files of consecutive lines, in a folder
    (cached beside it)."""
    path = input_file(records, seed)
    folder = path.with_name(f"{path.stem}-in-{files}")
    if not folder.exists():  # streamed: a million records are a gigabyte
        with path.open(encoding="utf-8") as source:
            size = -(-sum(1 for _ in source) // files)  # lines per file; the last may be shorter
        partial = folder.with_suffix(".partial")
        partial.mkdir(parents=True, exist_ok=True)
        with path.open(encoding="utf-8") as source:
            for part in range(files):
                with (partial / f"part-{part:03d}.jsonl").open("w", encoding="utf-8") as out:
                    out.writelines(itertools.islice(source, size))
        partial.rename(folder)
    return folder


def run_baseline(path: Path) -> float:
    t_env = create_table_env(managed=False, batch=True)
    t_env.get_config().set("table.local-time-zone", "UTC")
    values = {"input_path": path.as_uri()}
    for name in ("cdr_json.sql", "cdr_json_final.sql", "usage_hourly_baseline_sink.sql"):
        t_env.execute_sql(render(BENCH_SQL / name, values).text)
    started = time.monotonic()
    t_env.execute_sql(render(BENCH_SQL / "usage_hourly_baseline.sql", values).text).wait()
    return time.monotonic() - started


# (archive, fraud) of each variant
VARIANTS = {"job": (False, False), "archive": (True, False), "fraud": (False, True)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replay_throughput", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    # Three: the first round's baseline runs in a cold JVM (twice as slow as warm at a million records),
    # so one round flatters the ratio; the median of three is two warm rounds'.
    parser.add_argument("--runs", type=int, default=3, help="rounds of the baseline and every variant, interleaved")
    parser.add_argument("--variants", default="job,archive",
                        help=f"comma-separated, of {', '.join(VARIANTS)} (fraud: --fraud, every outgoing leg "
                             "through the Python rules)")
    parser.add_argument("--files", type=int, default=1, help="the input cut into this many files (one split each)")
    args = parser.parse_args(argv)
    variants = args.variants.split(",")
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}")
    path = input_file(args.records, args.seed) if args.files == 1 else input_folder(args.records, args.seed, args.files)
    records = sum(1 for _ in read_lines(Location.of(path)))
    size = sum(file.stat().st_size for file in ([path] if path.is_file() else path.iterdir()))
    print(f"input: {records:,} CDRs in {args.files} file(s), {size / 1e6:,.0f} MB ({path})")
    seconds: dict[str, list[float]] = {name: [] for name in ("baseline", *variants)}
    ratios: dict[str, list[float]] = {name: [] for name in variants}
    for run in range(args.runs):
        baseline_s = run_baseline(path)
        seconds["baseline"].append(baseline_s)
        for name in variants:
            with tempfile.TemporaryDirectory() as out:
                archive, fraud = VARIANTS[name]
                took = run_replay(path, Path(out), None, archive=archive, fraud=fraud).seconds
            seconds[name].append(took)
            ratios[name].append(baseline_s / took)  # against the baseline of the same round
            print(f"run {run + 1}: {name:8s} {took:7.1f} s  {records / took:>9,.0f} CDRs/s  "
                  f"ratio {baseline_s / took:.3f} (baseline {baseline_s:.1f} s)", flush=True)
    print(f"\n{'':10s} {'median s':>9s} {'CDRs/s':>9s} {'ratio median':>13s} {'ratio min-max':>14s}")
    for name, rounds in seconds.items():
        median = statistics.median(rounds)
        spread = (f"{min(ratios[name]):.3f}-{max(ratios[name]):.3f}" if name in ratios else "")
        ratio = f"{statistics.median(ratios[name]):.3f}" if name in ratios else "1"
        print(f"{name:10s} {median:9.1f} {records / median:9,.0f} {ratio:>13s} {spread:>14s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
