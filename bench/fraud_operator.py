"""The subscriber fraud rules as the job runs them (jobs/fraud_detection.py's keyed process
function, thread mode), alone: what the Flink wrapper costs beside the plain-Python rules.

    python -m bench.fraud_operator [--calls 30000] [--subscribers 10000] [--seed 3]
                                   [--backends rocksdb,hashmap]

The same events (generated STARTs and STOPs of outgoing legs, as the fraud_subscriber_events
view hands them on, dated now so the function takes the live path) go, in one run:

- through the rules in plain Python (domain/fraud.py, a dict per key, one core);
- through a minicluster job per state backend: a collection source, keyed by subscriber on the
  JVM (jobs/keyed_streams.py, as the job keys it), the
  rules' function at parallelism 1 in thread mode, its alerts collected. Each job is timed from its submission
  to its end, once with the events and once with a tenth of them; the difference over the
  difference in events is the function's time per event, without the job's start. The end of
  the input fires every timer the function holds (each key's state expiring, days ahead), so
  a figure includes the expiry of the state its events made.

Prints events/s for each, and each job's rate as a share of the plain-Python one.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta

from pyflink.common import Types

from bench.fraud_state import EVENT_COLUMNS, as_row, event_columns
from domain.fraud import DictStore, SubscriberDetector
from domain.fraud_rules import FraudRules, load_rules
from jobs.flink_env import create_envs
from jobs.fraud_detection import DETECTED, FraudRulesFunction, to_event
from jobs.keyed_streams import keyed_by_column
from synthetic.traffic import TrafficSpec, generate

MANAGED_MB = 512  # RocksDB's memory, as bench.streaming_capacity gives a subtask (its --help says why)
LONG_COLUMNS = {"start_ms", "end_ms", "answer_ms", "seen_ms"}
EVENT_TYPE = Types.ROW_NAMED(list(EVENT_COLUMNS), [
    Types.LONG() if name in LONG_COLUMNS else Types.BOOLEAN() if name == "answered" else Types.STRING()
    for name in EVENT_COLUMNS])


def subscriber_events(calls: int, subscribers: int, seed: int) -> list[tuple]:
    """Outgoing STARTs and STOPs of an hour of traffic that ends now, in the order generated."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    spec = TrafficSpec(seed=seed, calls=calls, subscribers=subscribers, start=start, hours=1.0, duplicate_share=0.0)
    return [event_columns(record) for record in generate(spec)
            if record["recordType"] in ("START", "STOP") and record["callDirection"] == "MOBILE_ORIGINATED"]


def plain_python_seconds(rules: FraudRules, events: list[tuple]) -> float:
    detector = SubscriberDetector(rules)
    stores: dict[str, DictStore] = {}
    parsed = [to_event(as_row(columns)) for columns in events]
    began = time.perf_counter()
    for event in parsed:
        detector.on_event(stores.setdefault(event.subscriber_id, DictStore()), event)
    return time.perf_counter() - began


def job_seconds(rules: FraudRules, events: list[tuple], backend: str) -> float:
    """From the job's submission to its end."""
    env, t_env = create_envs(managed=False, overrides={"state.backend.type": backend, "parallelism.default": "1",
                                                       "taskmanager.memory.managed.size": f"{MANAGED_MB}m",
                                                       "python.execution-mode": "thread"})  # as jobs/pipeline.py
    rows = [as_row(columns) for columns in events]
    events_table = t_env.from_data_stream(env.from_collection(rows, type_info=EVENT_TYPE))
    alerts = (keyed_by_column(t_env, events_table, "subscriber_id")  # keyed on the JVM, as the job keys it
              .process(FraudRulesFunction(rules, by_remote_number=False, ordered=False, in_sync_ms=2 * 3_600_000),
                       output_type=DETECTED))
    began = time.perf_counter()
    with alerts.execute_and_collect() as results:
        for _ in results:
            pass
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fraud_operator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=30_000)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--backends", default="rocksdb,hashmap")
    args = parser.parse_args(argv)
    rules = load_rules()
    events = subscriber_events(args.calls, args.subscribers, args.seed)
    few = events[: len(events) // 10]
    python_rate = len(events) / plain_python_seconds(rules, events)
    print(f"{len(events):,} events of {len({e[2] for e in events}):,} subscribers; plain Python: "
          f"{python_rate:,.0f} events/s", flush=True)
    for backend in args.backends.split(","):
        whole, part = job_seconds(rules, events, backend), job_seconds(rules, few, backend)
        rate = (len(events) - len(few)) / (whole - part)
        print(f"{backend}: {len(events):,} events in {whole:.1f} s, {len(few):,} in {part:.1f} s: "
              f"{rate:,.0f} events/s, {rate / python_rate:.3f}× plain Python", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
