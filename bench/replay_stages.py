"""Where a replay's time goes, stage by stage: each vertex of the job's batch plan with when it
started and ended, its parallelism and its records in and out, read from the local minicluster's
REST API while the replay runs.

    python -m bench.replay_stages [--records 300000] [--seed 42] [--fraud]

Batch execution runs the stages one after another (every exchange is blocking), so the longest
vertices are the run's critical path; a CPU profile alone does not say which work waits for
which. The input is bench.replay_throughput's (generated once, cached).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from typing import Any

from bench.replay_throughput import input_file
from jobs.cdr_pipeline import run_replay
from local.local_aws import free_port

# The minicluster's REST endpoint is on 127.0.0.1: no proxy of the environment may take the request.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(port: int, path: str) -> Any:
    with _LOCAL.open(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
        return json.load(response)


def watch(port: int, done: threading.Event, last: dict[str, Any]) -> None:
    """Keeps the newest detail of the job the minicluster runs until `done` (a finished job's
    detail goes with the minicluster, so the last one read before is what is printed)."""
    while not done.wait(0.5):
        try:
            for job in _get(port, "/jobs/overview")["jobs"]:
                last["job"] = _get(port, f"/jobs/{job['jid']}")
        except OSError:
            continue  # not up yet, or going


def stage_lines(job: dict[str, Any]) -> list[str]:
    """One line per vertex, in the order they started: start and end (s after the job's start),
    duration, parallelism, records in and out, name."""
    began = job["start-time"]
    lines = [f"{'start s':>8s} {'end s':>7s} {'took s':>7s} {'par':>3s} {'in':>11s} {'out':>11s}  vertex"]
    for vertex in sorted(job["vertices"], key=lambda v: v["start-time"]):
        metrics = vertex["metrics"]
        end = f"{(vertex['end-time'] - began) / 1000:7.1f}" if vertex["end-time"] > 0 else f"{'-':>7s}"
        lines.append(f"{(vertex['start-time'] - began) / 1000:8.1f} {end} {vertex['duration'] / 1000:7.1f} "
                     f"{vertex['parallelism']:3d} {metrics['read-records']:11,d} {metrics['write-records']:11,d}  "
                     f"{vertex['name']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replay_stages", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--fraud", action="store_true", help="with the fraud rules")
    args = parser.parse_args(argv)
    path = input_file(args.records, args.seed)
    port, done = free_port(), threading.Event()
    last: dict[str, Any] = {}
    watcher = threading.Thread(target=watch, args=(port, done, last), daemon=True)
    watcher.start()
    with tempfile.TemporaryDirectory() as out:
        try:
            took = run_replay(path, Path(out), None, fraud=args.fraud, flink_settings={"rest.port": str(port)}).seconds
        finally:
            done.set()
            watcher.join()
    if "job" not in last:
        print(f"no job seen on the minicluster's REST port {port}", file=sys.stderr)
        return 1
    print(f"replay of {path.name}: {took:.1f} s in all, the job {last['job']['duration'] / 1000:.1f} s "
          f"(its state when last read: {last['job']['state']})")
    print("\n".join(stage_lines(last["job"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
