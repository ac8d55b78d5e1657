"""How much state the fraud rules keep: a day of traffic for many subscribers through the
detectors (plain Python, a Store per key as Flink keeps one per key), the expiry timers run as
event time passes, then the entries left per key and in all.

    python -m bench.fraud_state [--subscribers 100000] [--calls 300000] [--seed 3]

Prints the entries held at the end of the day and after 2 h, 1 d, 8 d and 31 d of silence: the
windows go within minutes, the open calls within hours, the spend history after 8 days, the
destination history after 30; then nothing is left.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from datetime import timedelta

from jobs.fraud_detection import to_event
from tools.traffic import TrafficSpec, generate
from udfs.fraud import DictStore, RemoteNumberDetector, SubscriberDetector
from udfs.fraud_rules import load_rules


class _Row:
    """A record as the fraud views would hand it to Python (the columns they select)."""

    def __init__(self, record: dict, remote: bool):
        mo = record["callDirection"] == "MOBILE_ORIGINATED"
        calling, called = record["callingParty"], record["calledParty"]
        self.record_id, self.call_id = record["recordId"], record["callId"]
        self.subscriber_id, self.record_type, self.direction = calling["subscriberId"], record["recordType"], \
            record["callDirection"]
        self.start_ms = _ms(record["startTime"])
        self.end_ms = _ms(record["endTime"]) if "endTime" in record else None
        self.answered = "answerTime" in record and record.get("terminationReason") == "NORMAL"
        own, other = (calling["number"], called["number"]) if mo else (called["number"], calling["number"])
        self.own_number, self.remote_number = own, other
        self.home_country = calling.get("location", {}).get("country")
        self.remote_country = called.get("destination") if mo else None
        self.amount = str(record.get("cost", {}).get("amount", "")) or None if mo else None
        self.linked_id = record.get("linkedId")
        self.remote = remote


def _ms(text: str) -> int:
    from datetime import datetime

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
    started = time.monotonic()
    events = alerts = 0
    last_expiry = None
    now = 0
    for record in generate(spec):
        if record["recordType"] not in ("START", "STOP"):
            continue
        event = to_event(_Row(record, False))  # type: ignore[arg-type]
        now = max(now, event.time_ms)
        if event.direction == "MOBILE_ORIGINATED":
            alerts += len(by_subscriber.on_event(subscribers[event.subscriber_id], event))
            events += 1
        if event.record_type == "STOP" and (event.direction == "MOBILE_TERMINATED" or event.international):
            alerts += len(by_number.on_event(numbers[event.remote_number], event))
            events += 1
        if last_expiry is None or now - last_expiry >= 600_000:  # the timers, every 10 minutes of event time
            for store in subscribers.values():
                by_subscriber.expire(store, now)
            for store in numbers.values():
                by_number.expire(store, now)
            last_expiry = now
    seconds = time.monotonic() - started

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
          f"{alerts:,} alerts, {seconds:.0f} s ({events / seconds:,.0f} events/s in plain Python)")
    print(f"  end of day: {entries:,} state entries in {keys:,} keys "
          f"({entries / max(keys, 1):.1f} per key, {entries / args.subscribers:.2f} per subscriber)")
    for after in (timedelta(hours=2), timedelta(days=1), timedelta(days=8), timedelta(days=31)):
        entries, keys = held(after)
        print(f"  after {after} of silence: {entries:,} entries in {keys:,} keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
