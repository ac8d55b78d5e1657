"""The fraud rules' keyed function as the streaming job runs it, against in-memory fakes of its
state and timer service: a busy key's state is expired at most once an hour, its expiry is
not read again on each record, and everything is dropped once nothing is due."""

from __future__ import annotations

import heapq
import pickle
from datetime import UTC, datetime, timedelta
from typing import Any

from pyflink.common import Row
from pyflink.datastream import TimeDomain

from domain.fraud_rules import load_rules
from jobs.fraud_detection import FraudRulesFunction

T0 = datetime(2026, 11, 4, 6, 0, tzinfo=UTC)
HOUR_MS = 3_600_000
LATENESS_MS = 60_000  # the watermark trails the records by a minute


class _State:
    """One key's ValueState or ListState, a copy on each read as RocksDB gives it; reads counted
    by the name it was declared with."""

    def __init__(self, name: str, reads: dict[str, int]) -> None:
        self.name, self._reads, self.stored = name, reads, None

    def value(self) -> Any:
        self._reads[self.name] = self._reads.get(self.name, 0) + 1
        return pickle.loads(pickle.dumps(self.stored))

    def get(self) -> list[Any]:  # a ListState's: empty, not None
        return self.value() or []

    def update(self, value: Any) -> None:
        self.stored = value

    def add(self, value: Any) -> None:
        self.stored = [*(self.stored or []), value]

    def clear(self) -> None:
        self.stored = None


class _Items(_State):
    def items(self) -> Any:
        return iter(())


class _Runtime:
    def __init__(self) -> None:
        self.reads: dict[str, int] = {}
        self.states: dict[str, _State] = {}

    def get_state(self, descriptor: Any) -> _State:
        return self.states.setdefault(descriptor.name, _State(descriptor.name, self.reads))

    get_list_state = get_state

    def get_map_state(self, descriptor: Any) -> _State:
        return self.states.setdefault(descriptor.name, _Items(descriptor.name, self.reads))


class _Clock:
    """The timer service and context of one key: event-time timers fire as the watermark passes
    them; the wall clock is the newest record's time (a live stream)."""

    def __init__(self) -> None:
        self.watermark = self.now = 0
        self.timers: list[tuple[int, int]] = []  # (ms, TimeDomain's value): an Enum does not order
        self.firing = TimeDomain.EVENT_TIME

    def timer_service(self) -> _Clock:
        return self

    def current_watermark(self) -> int:
        return self.watermark

    def current_processing_time(self) -> int:
        return self.now

    def register_event_time_timer(self, at_ms: int) -> None:
        self._register(at_ms, TimeDomain.EVENT_TIME)

    def register_processing_time_timer(self, at_ms: int) -> None:
        self._register(at_ms, TimeDomain.PROCESSING_TIME)

    def _register(self, at_ms: int, domain: TimeDomain) -> None:
        if (at_ms, domain.value) not in self.timers:  # Flink keeps one timer per instant
            heapq.heappush(self.timers, (at_ms, domain.value))

    def time_domain(self) -> TimeDomain:
        return self.firing

    def get_current_key(self) -> str:
        return "sub-1"


def _stop(call: int, at: datetime) -> Row:
    """An outgoing domestic call's STOP (30 s long), as fraud_subscriber_events hands it on."""
    start = int(at.timestamp() * 1000)
    return Row(record_id=f"r{call}", call_id=f"c{call}", subscriber_id="sub-1", record_type="STOP",
               direction="MOBILE_ORIGINATED", start_ms=start, end_ms=start + 30_000, answered=True,
               own_number="+33698765432", remote_number=f"+3361234{call:04d}", home_country="FR",
               remote_country="FR", amount=None, linked_id=None, call_type="VOICE", metric_destination="FR",
               answer_ms=start + 2_000, seen_ms=None, hourly_cost=None)


def _advance(function: FraudRulesFunction, clock: _Clock, watermark: int, now: int) -> None:
    clock.watermark, clock.now = watermark, now
    while clock.timers and clock.timers[0][0] <= (watermark if clock.timers[0][1] == TimeDomain.EVENT_TIME.value
                                                   else now):
        at_ms, domain = heapq.heappop(clock.timers)
        clock.firing = TimeDomain(domain)
        list(function.on_timer(at_ms, clock))  # type: ignore[arg-type]


def test_a_busy_key_is_expired_at_most_hourly_and_reads_its_expiry_once() -> None:
    function = FraudRulesFunction(load_rules(), by_remote_number=False, ordered=False, in_sync_ms=LATENESS_MS)
    runtime, clock = _Runtime(), _Clock()
    function.open(runtime)  # type: ignore[arg-type]
    assert function._detector is not None
    expired_at: list[int] = []
    expire = function._detector.expire

    def counted_expire(store: Any, now_ms: int) -> int | None:
        expired_at.append(now_ms)
        return expire(store, now_ms)

    function._detector.expire = counted_expire  # type: ignore[method-assign]
    calls = 10 * 12  # one call every 5 minutes for 10 hours
    expiry_reads_on_records = 0
    for call in range(calls):
        row = _stop(call, T0 + timedelta(minutes=5 * call))
        _advance(function, clock, row.end_ms - LATENESS_MS, row.end_ms + 1_000)
        before = runtime.reads.get("next-expiry", 0)
        list(function.process_element(row, clock))  # type: ignore[arg-type]
        expiry_reads_on_records += runtime.reads.get("next-expiry", 0) - before

    assert expiry_reads_on_records == 1, "only the key's first record (no state yet) reads its expiry"
    assert expired_at, "a key with state is expired as time passes"
    gaps = [later - earlier for earlier, later in zip(expired_at, expired_at[1:], strict=False)]
    assert min(gaps, default=HOUR_MS) >= HOUR_MS
    assert len(expired_at) <= 10, "ten hours of calls: at most one expiry an hour"

    _advance(function, clock, int((T0 + timedelta(days=60)).timestamp() * 1000), clock.now)  # all falls due
    assert runtime.states["rules"].stored is None and runtime.states["next-expiry"].stored is None
    assert not clock.timers
