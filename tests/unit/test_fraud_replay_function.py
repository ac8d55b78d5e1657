"""The fraud rules' keyed function as a replay runs it (batch: each key's records together, in
no time order, then the key's one timer): alerts as if the events had come in time order, and
no Flink state read or written on the way.

The function runs against in-memory fakes of its runtime context and timer service that count
every state access."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from pyflink.common import Row

from domain.fraud_rules import Rule, load_rules
from jobs.fraud_detection import DETECTED, FraudRulesFunction
from jobs.replayed_key import END_OF_KEY

T0 = datetime(2026, 11, 4, 14, 0, tzinfo=UTC)


class _CountingState:
    """Any Flink state: each access counted, nothing else."""

    def __init__(self, accesses: list[str]) -> None:
        self._accesses = accesses

    def __getattr__(self, method: str) -> Any:
        def access(*_: Any) -> None:
            self._accesses.append(method)
        return access


class _RuntimeContext:
    def __init__(self) -> None:
        self.accesses: list[str] = []

    def get_state(self, descriptor: Any) -> _CountingState:
        return _CountingState(self.accesses)

    get_map_state = get_list_state = get_state


class _Context:
    """The key being processed and its timer service (timers only recorded: batch fires each
    key's timer when its input ends, as the test does)."""

    def __init__(self) -> None:
        self.key = ""
        self.timers: list[tuple[str, int]] = []

    def get_current_key(self) -> str:
        return self.key

    def timer_service(self) -> _Context:
        return self

    def register_event_time_timer(self, at_ms: int) -> None:
        self.timers.append((self.key, at_ms))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _stop(subscriber: str, call: int, at: datetime) -> Row:
    """An outgoing domestic leg's STOP, as fraud_subscriber_events hands it to Python."""
    return Row(record_id=f"{subscriber}-r{call}", call_id=f"{subscriber}-c{call}", subscriber_id=subscriber,
               record_type="STOP", direction="MOBILE_ORIGINATED", start_ms=_ms(at),
               end_ms=_ms(at + timedelta(seconds=2)), answered=False, own_number="+33698765432",
               remote_number="+33612345678", home_country="FR", remote_country="FR", amount=None,
               linked_id=None, call_type="VOICE", metric_destination="FR", answer_ms=None, seen_ms=None,
               hourly_cost=None)


def _replay(function: FraudRulesFunction, keys: dict[str, list[Row]], ctx: _Context) -> list[Row]:
    """Batch order: a key's records together, then its end-of-input timer."""
    alerts: list[Row] = []
    for key, rows in keys.items():
        ctx.key = key
        for row in rows:
            alerts += list(function.process_element(row, ctx))  # type: ignore[arg-type]
        for _, at_ms in [timer for timer in ctx.timers if timer[0] == key]:
            alerts += list(function.on_timer(at_ms, ctx))  # type: ignore[arg-type]
    return alerts


def _flood(subscriber: str, first: int, calls: int, at: datetime) -> list[Row]:
    """`calls` set up 4 s apart: all within VELOCITY's 60 s window when calls ≤ 15."""
    return [_stop(subscriber, first + n, at + timedelta(seconds=4 * n)) for n in range(calls)]


def test_a_replayed_key_is_judged_in_time_order_without_flink_state() -> None:
    rules = load_rules()
    warning = int(rules.levels_for(Rule.VELOCITY, "sub-1").warning)
    runtime, ctx = _RuntimeContext(), _Context()
    function = FraudRulesFunction(rules, by_remote_number=False, ordered=True)
    function.open(runtime)  # type: ignore[arg-type]
    second_flood_at = T0 + timedelta(hours=3)  # past the first alert's hour of cooldown
    keys = {"sub-1": _flood("sub-1", 0, warning + 2, T0) + _flood("sub-1", 100, warning, second_flood_at),
            "sub-2": _flood("sub-2", 0, warning - 1, T0)}  # one call short of the warning level
    for rows in keys.values():
        random.Random(7).shuffle(rows)
    runtime.accesses.clear()  # what open() did is not a record's

    alerts = [dict(zip(DETECTED.get_field_names(), row, strict=True)) for row in _replay(function, keys, ctx)]

    assert sorted(ctx.timers) == [("sub-1", END_OF_KEY), ("sub-2", END_OF_KEY)], "one timer per key"
    assert runtime.accesses == [], "a replay keeps a key's state in Python only"
    assert [(a["subscriber_id"], a["rule"], a["severity"], a["window_start_ms"], a["observed"]) for a in alerts] == [
        ("sub-1", "VELOCITY", "WARNING", _ms(T0), str(warning)),
        ("sub-1", "VELOCITY", "WARNING", _ms(second_flood_at), str(warning))]
    # raised by the call that reached the level in time order, whatever order it came in
    assert [a["detected_at_ms"] for a in alerts] == [
        _ms(T0 + timedelta(seconds=4 * (warning - 1), milliseconds=2_000)),
        _ms(second_flood_at + timedelta(seconds=4 * (warning - 1), milliseconds=2_000))]
