"""A key's state and event-time timers in Python, for a keyed function in a replay (batch).

Batch execution hands a keyed function each key's records together, then fires the key's
timers, in time order, when its input ends (with the watermark at its maximum), and restarts
from the input on failure. So a replay need not cross into Flink for every state access and
timer of a key: the function registers one Flink timer per key (END_OF_KEY) and keeps the key's
state and timers here, with Flink's semantics — a timer is one per time while pending, and
those registered while the key's timers fire fire in the same pass, in time order — then plays
them when that one timer fires. The same function code runs on either, so a replay computes
what the stream does."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from typing import Any

END_OF_KEY = 2**62  # a replay's one Flink timer per key: batch fires it when the key's input ends
END_OF_INPUT = 2**63 - 1  # the watermark once a bounded input has ended


class ValueState:
    """Flink's ValueState interface, in memory."""

    def __init__(self) -> None:
        self.stored: Any = None

    def value(self) -> Any:
        return self.stored

    def update(self, value: Any) -> None:
        self.stored = value

    def clear(self) -> None:
        self.stored = None


class ListState:
    """Flink's ListState interface, in memory."""

    def __init__(self) -> None:
        self.stored: list[Any] = []

    def get(self) -> Iterable[Any]:
        return list(self.stored)

    def add(self, value: Any) -> None:
        self.stored.append(value)

    def update(self, values: list[Any]) -> None:
        self.stored = list(values)


class MapState:
    """Flink's MapState interface, in memory."""

    def __init__(self) -> None:
        self.stored: dict[Any, Any] = {}

    def contains(self, key: Any) -> bool:
        return key in self.stored

    def put(self, key: Any, value: Any) -> None:
        self.stored[key] = value

    def items(self) -> Iterable[tuple[Any, Any]]:
        return list(self.stored.items())

    def remove(self, key: Any) -> None:
        del self.stored[key]


class KeyTimers:
    """A key's event-time timers, and the context a keyed function's timer methods are given
    (`timer_service()` is itself)."""

    def __init__(self) -> None:
        self._due: list[int] = []
        self._pending: set[int] = set()
        self._watermark = -(2**63)

    def timer_service(self) -> KeyTimers:
        return self

    def current_watermark(self) -> int:
        return self._watermark

    def register_event_time_timer(self, timestamp: int) -> None:
        if timestamp not in self._pending:
            self._pending.add(timestamp)
            heapq.heappush(self._due, timestamp)

    def fire_all(self) -> Iterator[int]:
        """The key's input has ended: every timer in time order, those registered meanwhile included."""
        self._watermark = END_OF_INPUT
        while self._due:
            timestamp = heapq.heappop(self._due)
            self._pending.discard(timestamp)
            yield timestamp
