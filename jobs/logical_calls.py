"""Leg attribution (domain/legs.py) in the job: a keyed process function by linkedId.

Only legs that carry a linkedId come here (sql/views/legs/10_call_legs.sql: a leg without one is
a call by itself, and SQL summarises it alone), with the STARTs of such legs. The function
keeps a linkedId's legs and STARTs in state and decides by event time alone when the call is
complete (`domain.legs.known_complete`): an event-time timer at each leg's end looks at the legs
that have ended by then — not at a later leg that happens to have been read already — so the
same records make the same calls however fast they are read, live, from a backlog or in a
replay. The call is complete at a leg's end when no other leg of it ends within the quiet
period after it and no leg that STARTed is still running (or at the maximum call age since its
first set-up, whatever is open). Then it is emitted, with that end as its event time, so usage
counts it in the hour its legs ended.

The quiet period is inside the watermark: the source's watermark trails the newest record by
`CdrJob.watermark.lateness.seconds`, which must be at least the quiet period (the
configuration refuses less). So when the watermark passes a leg's end, every leg that ended
within the quiet period after it has been read (a shard is read in order), and the emitted call
(timestamped at that end, sent before the watermark that fired it) is never late for its hour.

A PBX that writes CDRs only when legs end (Asterisk) cannot say a transferred caller is still
talking: the next leg may end long after the quiet period. So the legs are kept until the
maximum age, and a leg that ends after an emission emits the call again, whole, as a new
revision (the upsert by linkedId keeps the latest, in DynamoDB and in a replay's Parquet).
Usage must still count the call once: each emission names the subscribers not counted before
(`new_participants`) and those already counted for whom the call has now become answered
(`newly_answered`).

Billing is per charged leg: a side output names, per leg, whose bill its rated price goes on
(`ChargedLeg.billed_to`, domain/legs.py) — once per leg, and again only if a revision changes
it; the SQL keeps the latest per leg (sql/views/rating/20_cdr_billed.sql).

In a replay (batch) a key's records come together and its timers fire in time order when its
input ends: the same emissions. There the function keeps the key's state and timers in Python
(jobs/replayed_key.py) and plays them at the key's end, one Flink timer per key instead of
Flink state read and written, pickled, at every leg and timer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pyflink.common import Row, Types
from pyflink.datastream import KeyedProcessFunction, OutputTag, RuntimeContext
from pyflink.datastream.state import ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor
from pyflink.table import Schema, StreamTableEnvironment

from domain.legs import Leg, LogicalCall, attribute, known_complete
from jobs.keyed_streams import keyed_by_column
from jobs.replayed_key import END_OF_KEY, KeyTimers, ListState, MapState, ValueState

SUMMARY = Types.ROW_NAMED(
    ["linked_id", "originating_subscriber", "calling_number", "first_setup_ms", "last_end_ms", "answered",
     "conversation_ms", "leg_count", "legs", "participants", "revision", "new_participants", "newly_answered",
     "completed_ms"],
    [Types.STRING(), Types.STRING(), Types.STRING(), Types.LONG(), Types.LONG(), Types.BOOLEAN(), Types.LONG(),
     Types.INT(), Types.STRING(), Types.STRING(), Types.INT(), Types.STRING(), Types.STRING(), Types.LONG()])
LEG_BILLING = Types.ROW_NAMED(["record_id", "billed_subscriber_id", "revision"],
                              [Types.STRING(), Types.STRING(), Types.INT()])
BILLING_TAG = OutputTag("leg-billing", LEG_BILLING)


def to_leg(row: Row) -> Leg:
    return Leg(row.record_id, row.call_id, row.linked_id, row.leg_sequence, row.subscriber_id, row.call_direction,
               row.calling_number, row.called_number, row.start_ms, row.answer_ms, row.end_ms,
               row.called_subscriber_id)


def to_row(call: LogicalCall, participants: set[str], previous: tuple[set[str], bool, int, dict[str, str]] | None,
           completed_ms: int) -> Row:
    counted, was_answered, revision, _ = previous if previous is not None else (set(), False, -1, {})
    newly_answered = sorted(counted & participants) if call.answered and not was_answered else []
    legs = [{"record_id": leg.record_id, "call_id": leg.call_id, "charged_to": leg.charged_to,
             "charge": leg.charge.value, "talk_ms": leg.talk_ms} for leg in call.legs]
    return Row(call.linked_id, call.originating_subscriber, call.calling_number, call.first_setup_ms,
               call.last_end_ms, call.answered, call.conversation_ms, len(call.legs), json.dumps(legs),
               json.dumps(sorted(participants)), revision + 1, json.dumps(sorted(participants - counted)),
               json.dumps(newly_answered), completed_ms)


class _ReplayedCall:
    """A linkedId's state and timers in a replay, until its input ends (jobs/replayed_key.py)."""

    def __init__(self) -> None:
        self.states = (ListState(), MapState(), ValueState(), ValueState())
        self.timers = KeyTimers()


class LogicalCallFunction(KeyedProcessFunction):
    """`replay`: batch execution (see the module's docstring)."""

    def __init__(self, quiet_ms: int, max_age_ms: int, replay: bool = False):
        self._quiet_ms = quiet_ms
        self._max_age_ms = max_age_ms
        self._replay = replay
        self._replayed: dict[str, _ReplayedCall] = {}
        self._legs: Any = None
        self._started: Any = None
        self._emitted: Any = None
        self._expires: Any = None

    def open(self, runtime_context: RuntimeContext) -> None:
        if self._replay:
            return  # each key's own, in Python
        self._legs = runtime_context.get_list_state(ListStateDescriptor("legs", Types.PICKLED_BYTE_ARRAY()))
        self._started = runtime_context.get_map_state(MapStateDescriptor("open-legs", Types.STRING(), Types.LONG()))
        self._emitted = runtime_context.get_state(ValueStateDescriptor("emitted", Types.PICKLED_BYTE_ARRAY()))
        self._expires = runtime_context.get_state(ValueStateDescriptor("expires", Types.LONG()))

    def process_element(self, row: Row, ctx: KeyedProcessFunction.Context) -> Iterator[Row]:
        if self._replay:
            key = ctx.get_current_key()
            call = self._replayed.get(key)
            if call is None:
                call = self._replayed[key] = _ReplayedCall()
                ctx.timer_service().register_event_time_timer(END_OF_KEY)
            self._legs, self._started, self._emitted, self._expires = call.states
            self._keep(row, call.timers)
        else:
            self._keep(row, ctx)
        yield from ()

    def _keep(self, row: Row, ctx: Any) -> None:
        """Keeps the record; a timer at a leg's end looks at the call, one at a START's maximum
        age lets a leg whose STOP never comes go."""
        timers = ctx.timer_service()
        if row.record_type == "START":
            if not self._started.contains(row.call_id):
                self._started.put(row.call_id, row.start_ms)
                timers.register_event_time_timer(row.start_ms + self._max_age_ms)
        else:
            self._legs.add(to_leg(row))
            timers.register_event_time_timer(row.end_ms)

    def on_timer(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext) -> Iterator[Any]:
        if self._replay:  # END_OF_KEY: the key's own timers, in time order
            call = self._replayed.pop(ctx.get_current_key())
            self._legs, self._started, self._emitted, self._expires = call.states
            for at in call.timers.fire_all():
                yield from self._decide(at, call.timers)
        else:
            yield from self._decide(timestamp, ctx)

    def _decide(self, timestamp: int, ctx: Any) -> Iterator[Any]:
        expires = self._expires.value()
        if expires is not None and timestamp >= expires:
            self._forget(timestamp)
            return
        legs = list(self._legs.get())
        started = dict(self._started.items())
        previous = self._emitted.value()
        billed = dict(previous[3]) if previous else {}
        complete = known_complete(legs, started, timestamp, self._quiet_ms, self._max_age_ms, emitted=billed.keys())
        if any(leg.record_id not in billed for leg in complete):
            yield from self._emit(complete, previous, billed, timestamp)
            if expires is None:  # keep the legs for a late one, up to the maximum age
                first_setup = min([leg.start_ms for leg in complete] + [s for s in started.values() if s <= timestamp])
                expires = max(first_setup + self._max_age_ms, timestamp + 1)
                ctx.timer_service().register_event_time_timer(expires)
                self._expires.update(expires)
        ended = {leg.call_id for leg in legs if leg.end_ms <= timestamp}
        for call_id, start_ms in started.items():  # its STOP has ended (read by now), or never came
            if call_id in ended or start_ms + self._max_age_ms <= timestamp:
                self._started.remove(call_id)
        self._decide_again_after_a_late_leg(legs, billed, timestamp, ctx)

    @staticmethod
    def _decide_again_after_a_late_leg(legs: list[Leg], billed: dict[str, str], timestamp: int, ctx: Any) -> None:
        """A leg read late (behind the watermark) is decided at its own end, after the
        timers of later-ending legs of its call had fired and waited for it (its START held the
        call open). Nothing would decide those again — the maximum age would forget them, read
        and never billed — so their ends get timers again; passed already, they fire in this
        watermark, in end order, as if the late leg had been read in time. A timer still pending
        is one timer (Flink keeps one per key and time): on time, this costs nothing."""
        later = {leg.end_ms for leg in legs if leg.end_ms > timestamp and leg.record_id not in billed}
        if later:
            timers = ctx.timer_service()
            watermark = timers.current_watermark()
            for end in later:
                if end <= watermark:
                    timers.register_event_time_timer(end)

    def _emit(self, legs: list[Leg], previous: Any, billed: dict[str, str], timestamp: int) -> Iterator[Any]:
        call = attribute(legs)
        participants = {leg.subscriber_id for leg in legs}
        yield to_row(call, participants, previous, timestamp)
        revision = previous[2] + 1 if previous else 0
        for leg in call.legs:
            if billed.get(leg.record_id) != leg.billed_to:
                billed[leg.record_id] = leg.billed_to
                yield BILLING_TAG, Row(leg.record_id, leg.billed_to, revision)
        counted = participants | (previous[0] if previous else set())
        self._emitted.update((counted, call.answered, revision, billed))

    def _forget(self, timestamp: int) -> None:
        """The call is past its maximum age: what has happened by now goes; a leg that ends
        later (read early) stays, and makes a call of its own."""
        later = [leg for leg in self._legs.get() if leg.end_ms > timestamp]
        self._legs.update(later)
        for call_id, start_ms in list(self._started.items()):
            if start_ms <= timestamp:
                self._started.remove(call_id)
        self._emitted.clear()
        self._expires.clear()


def attach_logical_calls(t_env: StreamTableEnvironment, quiet_s: int, max_age_s: int, replay: bool) -> None:
    """Runs leg attribution over the view call_legs; its logical calls become the view
    multi_leg_calls, event time = when each was known complete (its last end, unless a leg
    stayed open); whose bill each leg goes on, the view multi_leg_billing. `replay`: batch
    execution."""
    calls = (keyed_by_column(t_env, t_env.from_path("call_legs"), "linked_id")
             .process(LogicalCallFunction(quiet_s * 1000, max_age_s * 1000, replay), output_type=SUMMARY)
             .uid("logical-calls-by-linked-id").name("logical calls by linkedId"))
    schema = (Schema.new_builder()
              .column_by_expression("event_time", "TO_TIMESTAMP_LTZ(completed_ms, 3)")
              .watermark("event_time", "SOURCE_WATERMARK()").build())
    t_env.create_temporary_view("multi_leg_calls", t_env.from_data_stream(calls, schema))
    t_env.create_temporary_view("multi_leg_billing", t_env.from_data_stream(calls.get_side_output(BILLING_TAG)))
