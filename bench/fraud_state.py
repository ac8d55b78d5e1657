"""How much state the fraud rules keep: a day of traffic for many subscribers through the
detectors (plain Python, a Store per key as Flink keeps one per key), the expiry timers run as
event time passes (one timer per key, re-armed by what expiry returns, as in the job), then the
entries left per key and in all.

    python -m bench.fraud_state [--subscribers 100000] [--calls 300000] [--seed 3]

Prints the entries held at the end of the day and after 2 h, 1 d, 8 d and 31 d of silence: the
windows go within minutes, the open calls within hours, the spend history after 8 days, the
destination history after 30; then nothing is left.
"""

from __future__ import annotations

import argparse
import heapq
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta

from pyflink.common import Row

from domain.fraud import DictStore, RemoteNumberDetector, SubscriberDetector
from domain.fraud_rules import load_rules
from jobs.fraud_detection import to_event
from synthetic.traffic import TrafficSpec, generate

# The columns of the fraud_subscriber_events view (sql/views/fraud/), as they reach Python.
EVENT_COLUMNS = ("record_id", "call_id", "subscriber_id", "record_type", "direction", "start_ms", "end_ms", "answered",
                 "own_number", "remote_number", "home_country", "remote_country", "amount", "linked_id", "call_type",
                 "metric_destination", "answer_ms", "seen_ms", "hourly_cost")


def event_columns(record: dict) -> tuple:
    """A generated record as the fraud views hand it to Python, in EVENT_COLUMNS' order (only
    STARTs and STOPs: INTERIMs' running price needs the tariff, which the views add)."""
    mo = record["callDirection"] == "MOBILE_ORIGINATED"
    calling, called = record["callingParty"], record["calledParty"]
    own, other = (calling["number"], called["number"]) if mo else (called["number"], calling["number"])
    return (record["recordId"], record["callId"], calling["subscriberId"], record["recordType"],
            record["callDirection"], _ms(record["startTime"]), _ms(record["endTime"]) if "endTime" in record else None,
            "answerTime" in record and record.get("terminationReason") == "NORMAL", own, other,
            calling.get("location", {}).get("country"), called.get("destination") if mo else None,
            (str(record.get("cost", {}).get("amount", "")) or None) if mo else None, record.get("linkedId"),
            record["callType"], called.get("destination") or "ZZ",
            _ms(record["answerTime"]) if "answerTime" in record else None, None, None)


def as_row(columns: tuple) -> Row:
    """Event columns as the row the rules' function reads (by field name)."""
    return Row(**dict(zip(EVENT_COLUMNS, columns, strict=True)))


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fraud_state", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    rules = load_rules()
    by_subscriber, by_number = SubscriberDetector(rules), RemoteNumberDetector(rules)
    subscribers: dict[str, DictStore] = defaultdict(DictStore)
    numbers: dict[str, DictStore] = defaultdict(DictStore)
    spec = TrafficSpec(seed=args.seed, subscribers=args.subscribers, calls=args.calls, duplicate_share=0.0)
    events = alerts = 0
    rule_seconds = 0.0
    timers: list[tuple[int, int, str]] = []  # (due ms, 0 subscriber | 1 number, key): Flink's timers
    armed: set[tuple[int, str]] = set()
    now = 0
    for record in generate(spec):
        if record["recordType"] not in ("START", "STOP"):
            continue
        event = to_event(as_row(event_columns(record)))
        now = max(now, event.time_ms)
        while timers and timers[0][0] <= now:
            due, kind, key = heapq.heappop(timers)
            detector, stores = (by_subscriber, subscribers) if kind == 0 else (by_number, numbers)
            following = detector.expire(stores[key], due)
            if following is not None:
                heapq.heappush(timers, (max(following, due + 1), kind, key))
            else:
                armed.discard((kind, key))
        tick = time.perf_counter()
        for kind, key, detector, stores, wanted in (
                (0, event.subscriber_id, by_subscriber, subscribers, event.direction == "MOBILE_ORIGINATED"),
                (1, event.remote_number, by_number, numbers, event.record_type == "STOP" and (
                    event.direction == "MOBILE_TERMINATED" or event.international))):
            if wanted:
                alerts += len(detector.on_event(stores[key], event))
                events += 1
                if (kind, key) not in armed:
                    armed.add((kind, key))
                    heapq.heappush(timers, (event.time_ms + 60_000, kind, key))
        rule_seconds += time.perf_counter() - tick

    def held(after: timedelta) -> tuple[int, int]:
        at = now + int(after.total_seconds() * 1000)
        for store in subscribers.values():
            by_subscriber.expire(store, at)
        for store in numbers.values():
            by_number.expire(store, at)
        stores = [*subscribers.values(), *numbers.values()]
        return sum(store.size() for store in stores), sum(1 for store in stores if store.size())

    entries, keys = held(timedelta(0))
    print(f"{args.calls:,} calls of {args.subscribers:,} subscribers over a day: {events:,} events into the rules, "
          f"{alerts:,} alerts; the rules took {rule_seconds:.1f} s ({events / rule_seconds:,.0f} events/s, "
          "plain Python, one core)")
    print(f"  end of day: {entries:,} state entries in {keys:,} keys "
          f"({entries / max(keys, 1):.1f} per key, {entries / args.subscribers:.2f} per subscriber)")
    for after in (timedelta(hours=2), timedelta(days=1), timedelta(days=8), timedelta(days=31)):
        entries, keys = held(after)
        print(f"  after {after} of silence: {entries:,} entries in {keys:,} keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
