"""Leg attribution's keyed function (jobs/logical_calls.py) under the orders a stream can read
legs in: whatever the order and however far a leg's shard is behind (its leg late, its end
already passed by the watermark), every leg is billed once, on the bill attribution over all
the call's legs says, and the last summary holds every leg.

The function runs here against in-memory fakes of its Flink state and timer service, with
Flink's timer semantics: a watermark fires, in time order, every timer at or before it, those
registered while it fires included; a timer set at or before the watermark fires at the next."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from typing import Any

import pytest
from pyflink.common import Row

from domain.legs import MO, Leg, attribute
from jobs.logical_calls import BILLING_TAG, LEG_BILLING, SUMMARY, LogicalCallFunction
from jobs.replayed_key import END_OF_KEY, ListState, MapState, ValueState

QUIET_MS, MAX_AGE_MS = 30_000, 6 * 3_600_000
END = 2**63 - 1  # the watermark at the end of input


class _RuntimeContext:
    """Flink state in memory (the replay's own, jobs/replayed_key.py: Flink's interfaces)."""

    def get_list_state(self, descriptor: Any) -> ListState:
        return ListState()

    def get_map_state(self, descriptor: Any) -> MapState:
        return MapState()

    def get_state(self, descriptor: Any) -> ValueState:
        return ValueState()


class _NoFlinkState:
    """A replay's runtime context: asking it for state fails the test."""

    def __getattr__(self, method: str) -> Any:
        raise AssertionError(f"a replay asked Flink for state ({method})")


class Harness:
    """One key of the function, fed records and watermarks as one input channel would (a
    replay's: its records, then the end of input)."""

    def __init__(self, replay: bool = False) -> None:
        self.function = LogicalCallFunction(QUIET_MS, MAX_AGE_MS, replay)
        self.function.open(_NoFlinkState() if replay else _RuntimeContext())  # type: ignore[arg-type]
        self.watermark = -(2**63)
        self.timers: list[int] = []
        self.summaries: list[Row] = []
        self.billing: list[Row] = []

    # the Context and TimerService the function is given
    def timer_service(self) -> Harness:
        return self

    def get_current_key(self) -> str:
        return "the linkedId"

    def current_watermark(self) -> int:
        return self.watermark

    def register_event_time_timer(self, timestamp: int) -> None:
        if timestamp not in self.timers:  # a key's timer per timestamp is one timer
            heapq.heappush(self.timers, timestamp)

    def record(self, row: Row) -> None:
        self._collect(self.function.process_element(row, self))

    def advance(self, watermark: int) -> None:
        self.watermark = max(self.watermark, watermark)
        while self.timers and self.timers[0] <= self.watermark:
            self._collect(self.function.on_timer(heapq.heappop(self.timers), self))

    def _collect(self, outputs: Iterator[Any]) -> None:
        for output in outputs:
            if isinstance(output, tuple) and output[0] is BILLING_TAG:  # rows by position, named as Flink types them
                self.billing.append(Row(**dict(zip(LEG_BILLING.get_field_names(), output[1], strict=True))))
            else:
                self.summaries.append(Row(**dict(zip(SUMMARY.get_field_names(), output, strict=True))))

    def billed_to(self) -> dict[str, str]:
        """Each leg's latest payer, as the SQL keeps it (the highest revision per leg)."""
        latest: dict[str, Row] = {}
        for row in self.billing:
            if row.record_id not in latest or row.revision >= latest[row.record_id].revision:
                latest[row.record_id] = row
        return {record_id: row.billed_subscriber_id for record_id, row in latest.items()}


def stop(leg: Leg) -> Row:
    return Row(record_type="STOP", record_id=leg.record_id, call_id=leg.call_id, linked_id=leg.linked_id,
               leg_sequence=leg.leg_sequence, subscriber_id=leg.subscriber_id, call_direction=leg.direction,
               calling_number=leg.calling_number, called_number=leg.called_number, start_ms=leg.start_ms,
               answer_ms=leg.answer_ms, end_ms=leg.end_ms, called_subscriber_id=leg.called_subscriber_id)


def start(leg: Leg) -> Row:
    return Row(record_type="START", record_id=f"{leg.call_id}:START", call_id=leg.call_id, linked_id=leg.linked_id,
               leg_sequence=leg.leg_sequence, subscriber_id=leg.subscriber_id, call_direction=leg.direction,
               calling_number=leg.calling_number, called_number=leg.called_number, start_ms=leg.start_ms,
               answer_ms=None, end_ms=None, called_subscriber_id=leg.called_subscriber_id)


S = 1_000
# The conference of the restart test's sub-000020 (tests/integration/test_restart.py, seed 99),
# times in seconds after 03:00: the bridge leg and three participants; only the leg to
# sub-000025 had a START written.
CONFERENCE = [
    Leg("bridge:STOP", "bridge", "conf", 1, "sub-20", MO, "+441", "+442000", 952 * S, 953 * S, 1753 * S),
    Leg("p2:STOP", "p2", "conf", 2, "sub-20", MO, "+441", "+442002", 966 * S, 967 * S, 1385 * S, "sub-02"),
    Leg("p3:STOP", "p3", "conf", 3, "sub-20", MO, "+441", "+442044", 969 * S, 970 * S, 1752 * S, "sub-44"),
    Leg("p4:STOP", "p4", "conf", 4, "sub-20", MO, "+441", "+442025", 1002 * S, 1003 * S, 1170 * S, "sub-25"),
]


def _expected(legs: list[Leg]) -> dict[str, str]:
    return {leg.record_id: leg.billed_to for leg in attribute(legs).legs}


def test_a_leg_read_after_its_calls_later_legs_had_passed_still_bills_them_all() -> None:
    """The restart test's conference: the participant whose START holds the call back is read
    late (its shard behind), after the watermark passed the others' ends. Deciding it at its
    own end found the call complete with it alone; the legs that ended later, whose timers had
    fired and waited for it, were never billed, and the maximum age forgot them."""
    late = CONFERENCE[3]
    harness = Harness()
    harness.record(start(late))
    for leg in CONFERENCE[:3]:
        harness.record(stop(leg))
    harness.advance(1800 * S)  # past every end and the quiet period: all but the late leg's timers fire
    assert harness.billing == [], "the open START holds the call back"
    harness.record(stop(late))
    harness.advance(1801 * S)
    assert harness.billed_to() == _expected(CONFERENCE) == {leg.record_id: "sub-20" for leg in CONFERENCE}
    assert harness.summaries[-1].leg_count == 4
    harness.advance(END)
    assert harness.billed_to() == _expected(CONFERENCE)
    assert len(harness.billing) == 4, "each leg billed once"


def _calls(rng: random.Random, count: int) -> list[list[Leg]]:
    """Calls of one to four legs of one caller: overlapping (conference, parallel ring),
    one after another (forward, transfer), answered or not."""
    calls = []
    for call in range(count):
        at, legs = rng.randrange(0, 3_600) * S, []
        for sequence in range(1, rng.randint(1, 4) + 1):
            setup = at + rng.randrange(0, 40) * S
            answer = setup + S if rng.random() < 0.8 else None
            end = setup + rng.randrange(2, 120) * S
            legs.append(Leg(f"{call}-{sequence}:STOP", f"{call}-{sequence}", f"call-{call}", sequence,
                            f"sub-{call}", MO, "+441", f"+44{rng.randrange(10)}", setup, answer, end,
                            f"sub-{rng.randrange(5)}"))
            at = end if rng.random() < 0.5 else setup
        calls.append(legs)
    return calls


@pytest.mark.parametrize("seed", range(12))
def test_every_leg_is_billed_once_as_attribution_over_all_legs_says_in_any_read_order(seed: int) -> None:
    """Legs and STARTs in a random order, the watermark advanced at random (so that legs are
    late by any amount within the maximum age): each call's legs all billed, each once, to whom
    attribution over all of them says, and its last summary holds them all."""
    rng = random.Random(seed)
    for legs in _calls(rng, 40):
        events: list[Row] = [stop(leg) for leg in legs] + [start(leg) for leg in legs if rng.random() < 0.5]
        rng.shuffle(events)
        harness = Harness()
        for event in events:
            harness.record(event)
            if rng.random() < 0.4:
                harness.advance(rng.randrange(0, 4_000) * S)
        harness.advance(END)
        assert harness.billed_to() == _expected(legs), (seed, legs)
        assert _sent_once_per_payer(harness.billing), "a leg's payer is sent again only when it changes"
        assert harness.summaries[-1].leg_count == len(legs)


def _sent_once_per_payer(billing: list[Row]) -> bool:
    """Whether a leg's payer is sent again only when it changes."""
    sent: dict[str, list[str]] = {}
    for row in billing:
        sent.setdefault(row.record_id, []).append(row.billed_subscriber_id)
    return all(a != b for payers in sent.values() for a, b in zip(payers, payers[1:], strict=False))


@pytest.mark.parametrize("seed", range(6))
def test_a_replay_keeps_a_keys_state_in_python_and_emits_what_the_stream_would(seed: int) -> None:
    """Batch order (a key's records, then its end): one Flink timer per key, no Flink state,
    and the same emissions as the function on Flink state given the same order."""
    rng = random.Random(seed)
    for legs in _calls(rng, 40):
        events: list[Row] = [stop(leg) for leg in legs] + [start(leg) for leg in legs if rng.random() < 0.5]
        rng.shuffle(events)
        replay, stream = Harness(replay=True), Harness()
        for harness in (replay, stream):
            for event in events:
                harness.record(event)
        assert replay.timers == [END_OF_KEY], "one Flink timer for the key"
        replay.advance(END)
        stream.advance(END)
        assert replay.billed_to() == _expected(legs), (seed, legs)
        assert _sent_once_per_payer(replay.billing)
        assert replay.summaries[-1].leg_count == len(legs)
        assert (replay.summaries, replay.billing) == (stream.summaries, stream.billing)

