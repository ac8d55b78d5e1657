"""The fraud rules' per-key store in the job: one state read per call into the function, one
write at its end only if something changed, nothing kept for a key with nothing left."""

from __future__ import annotations

import pickle
from typing import Any

from domain.fraud import OPEN_CALLS, WINDOWS
from jobs.fraud_detection import _KeyStateStore


class FakeValueState:
    """A Flink ValueState of pickled bytes, as RocksDB keeps it: a copy on each read."""

    def __init__(self) -> None:
        self.stored: bytes | None = None
        self.reads = self.writes = 0

    def value(self) -> Any:
        self.reads += 1
        return None if self.stored is None else pickle.loads(self.stored)

    def update(self, value: Any) -> None:
        self.writes += 1
        self.stored = pickle.dumps(value)

    def clear(self) -> None:
        self.writes += 1
        self.stored = None


def test_a_call_reads_once_and_writes_once_what_it_changed() -> None:
    state = FakeValueState()
    store = _KeyStateStore(state)
    with store.current_key():
        store.put(WINDOWS, "VELOCITY", [(1, "call-1", "rec-1", 1, "")])
        store.put(OPEN_CALLS, "call-1", (1, None, "rec-1", "call-1"))
        assert store.get(WINDOWS, "VELOCITY") == [(1, "call-1", "rec-1", 1, "")]
        assert (state.reads, state.writes) == (1, 0), "written once, at the call's end"
    assert (state.reads, state.writes) == (1, 1)

    with store.current_key():  # the next record of the key: what the last call left
        assert dict(store.items(OPEN_CALLS)) == {"call-1": (1, None, "rec-1", "call-1")}
        assert store.get(WINDOWS, "RUNNING_COST") is None
    assert (state.reads, state.writes) == (2, 1), "a call that only read writes nothing"


def test_a_key_with_nothing_left_keeps_no_state_and_empty_spaces_are_not_written() -> None:
    state = FakeValueState()
    store = _KeyStateStore(state)
    store.begin()
    store.put(WINDOWS, "VELOCITY", [])
    store.put(OPEN_CALLS, "call-1", (1, 2, "rec-1", "call-1"))
    store.end()
    store.begin()
    store.remove(OPEN_CALLS, "call-1")
    store.end()
    assert pickle.loads(state.stored or b"") == {WINDOWS: {"VELOCITY": []}}
    store.begin()
    store.remove(WINDOWS, "VELOCITY")
    store.end()
    assert state.stored is None



class FakeMapState:
    """A Flink MapState restored from an earlier version's snapshot."""

    def __init__(self, entries: dict[str, Any] | None = None) -> None:
        self.entries = dict(entries or {})
        self.reads = 0

    def items(self) -> Any:
        self.reads += 1
        return iter(list(self.entries.items()))

    def clear(self) -> None:
        self.entries.clear()


def _expiry(at_ms: int | None) -> FakeValueState:
    state = FakeValueState()
    if at_ms is not None:
        state.stored = pickle.dumps(at_ms)
    return state


def test_a_key_restored_from_the_mapstate_layout_moves_into_the_value_once() -> None:
    window = [(1_000, "call-1", "rec-1", 1, "")]
    legacy = {WINDOWS: FakeMapState({"VELOCITY": window}), OPEN_CALLS: FakeMapState({"call-1": (1_000, None, "rec-1",
                                                                                                  "call-1")}),
              "spend": FakeMapState()}
    state = FakeValueState()
    store = _KeyStateStore(state, legacy, _expiry(61_000))
    store.begin()
    assert store.get(WINDOWS, "VELOCITY") == window
    assert dict(store.items(OPEN_CALLS)) == {"call-1": (1_000, None, "rec-1", "call-1")}
    store.end()
    assert pickle.loads(state.stored or b"") == {WINDOWS: {"VELOCITY": window},
                                                 OPEN_CALLS: {"call-1": (1_000, None, "rec-1", "call-1")}}
    assert all(not entries.entries for entries in legacy.values()), "the MapStates are emptied"
    reads = sum(entries.reads for entries in legacy.values())
    store.begin()  # the key's next call reads the value only
    store.end()
    assert sum(entries.reads for entries in legacy.values()) == reads


def test_a_new_key_never_reads_the_old_mapstates() -> None:
    legacy = {WINDOWS: FakeMapState()}
    store = _KeyStateStore(FakeValueState(), legacy, _expiry(None))  # no expiry pending: nothing was kept
    store.begin()
    store.put(WINDOWS, "VELOCITY", [(1, "call-1", "rec-1", 1, "")])
    store.end()
    assert legacy[WINDOWS].reads == 0
