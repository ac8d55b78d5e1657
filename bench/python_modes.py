"""The fraud rules' Python operators in thread mode against process mode, same replay.

    python -m bench.python_modes [--seed 11] [--subscribers 300] [--calls-per-day 800]

Replays the fraud evaluation's traffic (synthetic/fraud_scenarios.py: 9 days, injected frauds)
through the whole job twice, python.execution-mode thread then process, and prints both
times, the records the Python rules saw, and the alerts (which must be the same).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from jobs.cdr_pipeline import run_replay
from synthetic.fraud_scenarios import ScenarioSpec, build
from synthetic.traffic import to_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.python_modes", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--subscribers", type=int, default=300)
    parser.add_argument("--calls-per-day", type=int, default=800)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        cdrs = Path(tmp) / "cdrs.jsonl"
        records, _ = build(ScenarioSpec(seed=args.seed, subscribers=args.subscribers, calls_per_day=args.calls_per_day,
                                        per_rule=2, call_centre_agents=3))
        with cdrs.open("w", encoding="utf-8") as out:
            out.writelines(to_json(record) + "\n" for record in records)
        results = {}
        for mode in ("thread", "process"):
            started = time.monotonic()
            summary = run_replay(cdrs, Path(tmp) / mode, None, fraud=True,
                                 flink_settings={"python.execution-mode": mode})
            seconds = time.monotonic() - started
            alerts = sorted(pq.read_table(Path(tmp) / mode / "fraud_alerts").column("alert_id").to_pylist())
            results[mode] = (seconds, summary.input_records, alerts)
            print(f"{mode:>7}: {summary.input_records:,} CDRs in {seconds:6.1f} s  "
                  f"{summary.input_records / seconds:>9,.0f} CDRs/s  "
                  f"{len(alerts)} alerts", flush=True)
        same = results["thread"][2] == results["process"][2]
        print(f"process / thread time: {results['process'][0] / results['thread'][0]:.2f}; same alerts: {same}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
