"""One busy subscriber through the fraud rules: how an event's cost grows with the calls its
key's state holds (a PBX trunk, a carrier's traffic under one subscriber id).

    python -m bench.busy_subscriber [--calls 12000] [--hours 4] [--steps 5] [--seed 3]

Generates --calls calls of four subscribers over --hours and keeps the busiest one's outgoing
STARTs and STOPs. Each event goes through the rules as the job's function handles it on
RocksDB: the key's state unpickled before and pickled after (jobs/fraud_detection.py keeps a
key's spaces in one pickled value), the state expired once an hour of event time
(the job's chain: domain/fraud.py's next_expiry). Prints, for each of --steps equal slices of the events, the
events/s, the pickled state's size at the slice's end and the entries per space: an event reads
and writes the whole state, so a key's cost grows with the square of its rate.
"""

from __future__ import annotations

import argparse
import collections
import pickle
import sys
import time
from datetime import UTC, datetime

from bench.fraud_state import as_row, event_columns
from domain.fraud import WINDOWS, DictStore, SubscriberDetector, next_expiry
from domain.fraud_rules import load_rules
from jobs.fraud_detection import to_event
from synthetic.traffic import TrafficSpec, generate

WATERMARK_LAG_MS = 60_000  # the job's expiry fires at the watermark, behind the newest event


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.busy_subscriber", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=12_000)
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    spec = TrafficSpec(seed=args.seed, calls=args.calls, subscribers=4, hours=args.hours, duplicate_share=0.0,
                       start=datetime(2026, 11, 2, tzinfo=UTC))  # four: a conference's legs need other parties
    events = [to_event(as_row(event_columns(record))) for record in generate(spec)
              if record["recordType"] in ("START", "STOP") and record["callDirection"] == "MOBILE_ORIGINATED"]
    busiest = collections.Counter(event.subscriber_id for event in events).most_common(1)[0][0]
    events = [event for event in events if event.subscriber_id == busiest]
    detector, store = SubscriberDetector(load_rules()), DictStore()
    stored = pickle.dumps(store.spaces)
    expiry_at = next_expiry(events[0].time_ms)  # the key's first event arms its expiry
    size = max(1, len(events) // args.steps)
    print(f"{len(events):,} events of {busiest} over {args.hours:g} h "
          f"(its share of {args.calls:,} calls of 4 subscribers)")
    first_rate = None  # the first slice's rate, when the key's state is smallest: each slice's ratio is against it
    for first in range(0, size * args.steps, size):
        began = time.perf_counter()
        for event in events[first:first + size]:
            store.spaces = pickle.loads(stored)
            detector.on_event(store, event)
            if event.time_ms - WATERMARK_LAG_MS >= expiry_at:  # the job's timer fires at the watermark
                now = event.time_ms - WATERMARK_LAG_MS
                expiry_at = next_expiry(now, detector.expire(store, now))
            stored = pickle.dumps(store.spaces)
        rate = size / (time.perf_counter() - began)
        first_rate = first_rate or rate
        held = {space: len(values) for space, values in store.spaces.items() if space != WINDOWS}
        held.update({f"window {rule}": len(entries) for rule, entries in store.spaces.get(WINDOWS, {}).items()})
        largest = ", ".join(f"{name} {count:,}" for name, count in sorted(held.items(), key=lambda i: -i[1])[:5])
        print(f"  events {first + 1:,}-{first + size:,}: {rate:,.0f} events/s ({rate / first_rate:.2f}× the first "
              f"slice); state {len(stored) / 1e3:,.0f} kB "
              f"pickled, largest: {largest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
