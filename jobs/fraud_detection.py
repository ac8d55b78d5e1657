"""The fraud rules (domain/fraud.py) in the job: two keyed process functions and their output.

`fraud_subscriber_events` is keyed by subscriber, `fraud_remote_events` by the other party's
number (WANGIRI); both are narrow SQL views, so only the columns and records the rules read
cross into Python. Each key's rule state lives in one ValueState (all spaces of the rules'
Store, read once per record or timer), and an event-time timer chain expires it: when nothing
is left, nothing is kept.

Streaming evaluates each event on arrival (an alert within a second of its CDR), with one
exception: a backlog's START or INTERIM far ahead of the watermark waits for it. STARTs and
STOPs take different paths through the job (a STOP is deduplicated and rated first); live they
arrive together, but catching up a backlog the START path can run hours ahead, and a START
judged then would find calls "still open" whose STOPs are merely still on their way. The
watermark (the slower path's progress) reaching the START's set-up says those STOPs are in.
A live record (its time within the lateness of the wall clock) is never held: on a quiet
stream the watermark may stand still for minutes. A running call's next level is watched by
an event-time timer and, live, by a wall-clock one (see _schedule_check). A replay runs
in batch, where a key's records arrive together but in no particular time order: there they
are appended to a list and evaluated in event-time order when the key ends (one timer per key,
which batch fires at the end of its input), the expiry chain played along in between.
The alerts of both functions become the view `fraud_detected`, which the SQL turns into
fraud_alerts and fraud_tagged_calls.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import phonenumbers
from pyflink.common import Row, Types
from pyflink.datastream import DataStream, KeyedProcessFunction, MapFunction, RuntimeContext, TimeDomain
from pyflink.datastream.state import ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor
from pyflink.table import Schema, StreamTableEnvironment

from domain.blocklist import FRAUD_JOB, Block, Kind
from domain.fraud import (
    RUNNING_RULES,
    Alert,
    CallEvent,
    Detector,
    DictStore,
    RemoteNumberDetector,
    SubscriberDetector,
    next_expiry,
)
from domain.fraud_actions import block_for_alert
from domain.fraud_notice import compose
from domain.fraud_rules import FraudRules, Rule, Severity, with_subscriber_classes
from domain.route_alarms import AlarmLimits, RouteRule
from domain.route_alarms import notice as route_notice
from jobs.config import Notifications
from jobs.embedded_logging import drop_debug_records
from jobs.keyed_streams import keyed_by_column
from jobs.replayed_key import END_OF_KEY
from jobs.route_alarms import from_detected, route_alarms
from stream_io.notifications import Notifier, sns_publisher
from stream_io.subscriber_classes import SubscriberClasses

# The MapStates a key's rule state lived in before it moved to one ValueState (_KeyStateStore):
# the names snapshots hold, spelled out so that renaming a space in domain/fraud.py cannot lose them.
LEGACY_SPACES = ("windows", "cooldown", "calls", "ended", "spend", "destinations", "meta", "running",
                 "callback_cooldown")
UNIT_SEPARATOR = "\x1f"
NO_DIMENSIONS = ("ZZ", "", "")  # an alert raised by time alone carries its call's
# Live, a running call's crossing is acted on this long after it by the wall clock: the STOP of
# a call that ended just before it may still be on its way through the job (deduplication).
LIVE_GRACE_MS = 5_000
ROUTE_RULES = frozenset(rule.value for rule in RouteRule)
DETECTED = Types.ROW_NAMED(
    ["alert_id", "subscriber_id", "rule", "severity", "detected_at_ms", "window_start_ms", "window_end_ms",
     "observed", "threshold", "evidence_call_ids", "evidence", "destination_country", "direction", "call_type",
     "block_kind", "block_reason", "block_until_ms"],
    [Types.STRING(), Types.STRING(), Types.STRING(), Types.STRING(), Types.LONG(), Types.LONG(), Types.LONG(),
     Types.STRING(), Types.STRING(), Types.STRING(), Types.STRING(), Types.STRING(), Types.STRING(),
     Types.STRING(), Types.STRING(), Types.STRING(), Types.LONG()])


def to_event(row: Row) -> CallEvent:
    """A fraud_*_events row as the rules' event (an incoming leg's caller country from its
    number). The row is read as a dict: a Row's attribute searches its list of names each time."""
    r = row.as_dict()
    remote_country = r["remote_country"] or _country_of(r["remote_number"])
    return CallEvent(r["record_id"], r["call_id"], r["subscriber_id"], r["record_type"], r["direction"],
                     r["start_ms"], r["end_ms"], bool(r["answered"]), r["own_number"] or "", r["remote_number"] or "",
                     r["home_country"], remote_country, Decimal(r["amount"]) if r["amount"] else None,
                     r["linked_id"], (r["metric_destination"], r["direction"], r["call_type"]), r["answer_ms"],
                     r["seen_ms"], Decimal(r["hourly_cost"]) if r["hourly_cost"] else None)


def _country_of(number: str | None) -> str | None:
    if not number:
        return None
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or None
    except phonenumbers.NumberParseException:
        return None


def to_row(alert: Alert, trigger: tuple[str, str, str], rules: FraudRules) -> Row:
    """The alert with the dimensions of the event that raised it, and the block it asks for."""
    block = block_for_alert(alert, rules)
    return Row(alert.alert_id, alert.subscriber_id, alert.rule.value, alert.severity.value, alert.detected_at_ms,
               alert.window_start_ms, alert.window_end_ms, str(alert.observed), str(alert.threshold),
               json.dumps(list(alert.evidence)),
               json.dumps([f"{call}{UNIT_SEPARATOR}{record}"
                           for call, record in zip(alert.evidence, alert.evidence_records, strict=True)]),
               *trigger, block.kind.value if block else None, block.reason if block else None,
               block.expires_at_ms if block else None)


class _Unread:
    """A state not read yet in this call into the function."""


UNREAD = _Unread()


class _KeyStateStore(DictStore):
    """The rules' Store for the current key: all its spaces in one ValueState, read when a call
    into the function begins and written back once at its end if anything changed.

    One state read and at most one write per record or timer, instead of a MapState access per
    rule lookup: on RocksDB (MSF's backend) every access crosses from Python into the JVM and
    into RocksDB, and listing a MapState (open calls, windows) opens a RocksDB iterator: 8.7×
    slower in the function alone (bench/fraud_operator.py, docs/benchmarks.md).

    The key's next expiry (a ValueState of its own, the timer chain's) is read at most once per
    call, and not at all on a record of a key that had state: every key with state has an
    expiry pending (one RocksDB read less per record).

    Earlier versions kept a MapState per space (`LEGACY_SPACES`). A key restored from their
    snapshot has no value yet but a pending expiry (every key with state has one): its MapStates
    are read into the value once and cleared. A key's first timer after the
    upgrade comes within the longest history the rules keep (30 days), so by then every key is
    moved and the MapStates are empty."""

    def __init__(self, state: Any, legacy: dict[str, Any] | None = None, expiry: Any = None):
        super().__init__()
        self._state = state
        self._legacy = legacy or {}
        self._expiry = expiry
        self._changed = False
        self._had_state = False  # when this call into the function began
        self._expiry_at: int | None | _Unread = UNREAD

    def begin(self) -> None:
        """A new call into the function, maybe for another key: its spaces as stored."""
        self.spaces, self._changed, self._expiry_at = self._state.value() or {}, False, UNREAD
        if not self.spaces and self._legacy and self._expiry is not None and self.expiry() is not None:
            self._move_legacy()
        self._had_state = bool(self.spaces)

    def expiry(self) -> int | None:
        """When the key's state is next expired (None: no expiry pending)."""
        at = self._expiry_at
        if isinstance(at, _Unread):
            at = self._expiry_at = self._expiry.value() if self._expiry is not None else None
        return at

    def expiry_pending(self) -> bool:
        """Whether the key's expiry chain runs (read only for a key that had no state)."""
        return self._had_state or self.expiry() is not None

    def set_expiry(self, at_ms: int | None) -> None:
        if at_ms is None:
            self._expiry.clear()
        else:
            self._expiry.update(at_ms)
        self._expiry_at = at_ms

    def _move_legacy(self) -> None:
        for space, entries in self._legacy.items():
            found = dict(entries.items())
            if found:
                self.spaces[space], self._changed = found, True
                entries.clear()

    def put(self, space: str, key: str, value: Any) -> None:
        super().put(space, key, value)
        self._changed = True

    def remove(self, space: str, key: str) -> None:
        super().remove(space, key)
        self._changed = True

    @contextlib.contextmanager
    def current_key(self) -> Iterator[None]:
        """One call into the function (a record or a timer): its key's spaces between begin and end."""
        self.begin()
        try:
            yield
        finally:
            self.end()

    def end(self) -> None:
        """Writes the key's spaces back if changed; a key with nothing left keeps no state."""
        if self._changed:
            if self.size():
                self._state.update({space: values for space, values in self.spaces.items() if values})
            else:
                self._state.clear()
        self.spaces, self._changed = {}, False


class FraudRulesFunction(KeyedProcessFunction):
    """One detector over one keyed stream (thin: the rules decide, this keeps their state)."""

    def __init__(self, rules: FraudRules, by_remote_number: bool, ordered: bool, in_sync_ms: int = 0,
                 classes: SubscriberClasses | None = None):
        self._rules = rules
        self._classes = classes  # reference data: subscriber -> class, re-read while the job runs
        self._by_remote_number = by_remote_number
        self._ordered = ordered
        self._in_sync_ms = in_sync_ms  # how far ahead of the watermark a live record may be
        self._detector: Detector | None = None
        self._store: _KeyStateStore | None = None
        # Ordered (a replay, in BATCH mode): each key's events until its end. Batch execution
        # hands a keyed operator each key's records together and fires its timers at the key's
        # end, and restarts from the input on failure, so they need not cross into Flink state.
        self._waiting: dict[Any, list[CallEvent]] = {}
        self._early: Any = None

    def open(self, runtime_context: RuntimeContext) -> None:
        detector = RemoteNumberDetector if self._by_remote_number else SubscriberDetector
        self._detector = detector(self._rules)
        if self._classes is not None:
            self._classes.start()
            self._detector.rules = with_subscriber_classes(self._rules, self._classes.classes)
        if self._ordered:
            return  # a replay keeps each key's state in Python (_replay_key)
        pickled = Types.PICKLED_BYTE_ARRAY()
        legacy = {space: runtime_context.get_map_state(MapStateDescriptor(space, Types.STRING(), pickled))
                  for space in LEGACY_SPACES}
        self._store = _KeyStateStore(runtime_context.get_state(ValueStateDescriptor("rules", pickled)), legacy,
                                     runtime_context.get_state(ValueStateDescriptor("next-expiry", Types.LONG())))
        self._early = runtime_context.get_list_state(ListStateDescriptor("early-starts", Types.PICKLED_BYTE_ARRAY()))

    def _refresh_classes(self) -> None:
        """Takes reference data changed since (read at most every reload period): on records and
        on timers alike, since a live running call's crossing may come with no record at all."""
        if self._classes is not None and (classes := self._classes.reloaded()) is not None:
            assert self._detector is not None
            self._detector.rules = with_subscriber_classes(self._rules, classes)

    def process_element(self, row: Row, ctx: KeyedProcessFunction.Context) -> Iterator[Row]:
        if self._ordered:  # a replay: judged at the key's end, no Flink state touched before
            self._wait_for_key_end(to_event(row), ctx)
            return
        assert self._store is not None
        with self._store.current_key():
            yield from self._process(row, ctx)

    def _wait_for_key_end(self, event: CallEvent, ctx: KeyedProcessFunction.Context) -> None:
        key = ctx.get_current_key()
        waiting = self._waiting.get(key)
        if waiting is None:
            waiting = self._waiting[key] = []
            ctx.timer_service().register_event_time_timer(END_OF_KEY)  # one timer per key
        waiting.append(event)

    def _process(self, row: Row, ctx: KeyedProcessFunction.Context) -> Iterator[Row]:
        self._refresh_classes()
        event = to_event(row)
        timers = ctx.timer_service()
        live = event.time_ms >= timers.current_processing_time() - self._in_sync_ms
        if event.record_type != "STOP" and not live and event.time_ms > timers.current_watermark() + self._in_sync_ms:
            self._early.add(event)  # a backlog's: judged when the watermark reaches it
            timers.register_event_time_timer(event.time_ms)
            return
        yield from self._evaluate(event, ctx)

    def _replay_key(self, events: list[CallEvent]) -> Iterator[Row]:
        """A key's whole history in event-time order, expiring state as time passes. Its state
        is a plain dict: batch execution never comes back to a key whose input has ended, and
        restarts from the input on failure, so nothing of it needs to cross into Flink state."""
        assert self._detector is not None
        detector, store = self._detector, DictStore()
        due: int | None = None
        check: int | None = None
        for event in sorted(events, key=lambda e: (e.time_ms, e.start_ms, e.record_id)):
            while check is not None and check <= event.time_ms:
                yield from self._rows(detector.tick(store, check), NO_DIMENSIONS)
                check = detector.next_check(store)
            while due is not None and due <= event.time_ms:
                following = detector.expire(store, due)
                due = None if following is None else next_expiry(due, following)
            yield from self._rows(detector.on_event(store, event), event.dimensions)
            check = detector.next_check(store)
            if due is None:
                due = next_expiry(event.time_ms)
        while check is not None:  # calls still running when the input ends: as a bounded stream's timers
            yield from self._rows(detector.tick(store, check), NO_DIMENSIONS)
            check = detector.next_check(store)

    def _rows(self, alerts: list[Alert], trigger: tuple[str, str, str]) -> Iterator[Row]:
        """Alerts as rows; a running call's alert carries its call's dimensions, others the
        triggering event's."""
        assert self._detector is not None
        for alert in alerts:  # the detector's rules: with the reference data's classes and their actions
            yield to_row(alert, alert.dimensions or trigger, self._detector.rules)

    def _evaluate(self, event: CallEvent, ctx: Any) -> Iterator[Row]:
        assert self._detector is not None and self._store is not None
        yield from self._rows(self._detector.on_event(self._store, event), event.dimensions)
        self._schedule_check(ctx)
        if not self._store.expiry_pending():  # start the expiry chain
            self._schedule(ctx, next_expiry(event.time_ms))

    def _schedule_check(self, ctx: Any) -> None:
        """Timers where a running call next crosses a level (timers at one instant are one): in
        event time, which a backlog and a replay follow; and, live, by the wall clock
        LIVE_GRACE_MS after the crossing, since event time trails the wall clock by the
        watermark's lateness (a minute) when it is driven by other subscribers' records."""
        assert self._detector is not None and self._store is not None
        check = self._detector.next_check(self._store)
        if check is None:
            return
        timers = ctx.timer_service()
        timers.register_event_time_timer(check)
        now = timers.current_processing_time()
        if check + LIVE_GRACE_MS > now - self._in_sync_ms:  # live: not a backlog's call
            timers.register_processing_time_timer(max(check + LIVE_GRACE_MS, now + 1))

    def _schedule(self, ctx: Any, at_ms: int) -> None:
        assert self._store is not None
        self._store.set_expiry(at_ms)
        ctx.timer_service().register_event_time_timer(at_ms)

    def on_timer(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext) -> Iterator[Row]:
        if self._ordered:  # a replay's one timer per key (END_OF_KEY): the key's input has ended
            self._refresh_classes()
            yield from self._replay_key(self._waiting.pop(ctx.get_current_key(), []))
            return
        assert self._store is not None
        with self._store.current_key():
            yield from self._fire(timestamp, ctx)

    def _fire(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext) -> Iterator[Row]:
        assert self._detector is not None and self._store is not None
        self._refresh_classes()
        if ctx.time_domain() == TimeDomain.PROCESSING_TIME:  # running calls' crossings, live
            for _ in range(2 * len(RUNNING_RULES)):  # each tick raises a call's severity: few rounds
                check = self._detector.next_check(self._store)
                if check is None or check + LIVE_GRACE_MS > timestamp:
                    break
                yield from self._rows(self._detector.tick(self._store, check), NO_DIMENSIONS)
            self._schedule_check(ctx)
            return
        ticked = self._detector.tick(self._store, timestamp)
        if ticked:
            yield from self._rows(ticked, NO_DIMENSIONS)
            self._schedule_check(ctx)
        early = list(self._early.get())
        if early:
            released = sorted((e for e in early if e.time_ms <= timestamp), key=lambda e: (e.time_ms, e.record_id))
            self._early.update([e for e in early if e.time_ms > timestamp])
            for event in released:
                yield from self._evaluate(event, ctx)
        expiry = self._store.expiry()
        if expiry is not None and timestamp >= expiry:
            due = self._detector.expire(self._store, timestamp)
            if due is None:
                self._store.set_expiry(None)
            else:
                self._schedule(ctx, next_expiry(timestamp, due))


def attach_fraud_detection(t_env: StreamTableEnvironment, rules: FraudRules | None, ordered: bool,
                           in_sync_ms: int = 0, notifications: Notifications | None = None,
                           classes: SubscriberClasses | None = None,
                           route_limits: AlarmLimits | None = None) -> None:
    """Runs the rules over the two event views; their alerts become the view fraud_detected,
    with event_time (the detection's) as its event time. Without rules (fraud detection off)
    the view is there but empty, so what reads it (the minute metrics) need not know. With
    `route_limits`, the route alarms (jobs/route_alarms.py) join the alerts. With
    `notifications`, every alert row is also published to SNS on its way."""
    if rules is None:
        columns = ", ".join(f"CAST(NULL AS {'BIGINT' if kind == Types.LONG() else 'STRING'}) AS {name}"
                            for name, kind in zip(DETECTED.get_field_names(), DETECTED.get_field_types(),
                                                  strict=True))
        # cdr_final lends its event time (an empty stream with watermarks, not a bounded VALUES).
        t_env.create_temporary_view("fraud_detected", t_env.sql_query(
            f"SELECT {columns}, event_time FROM cdr_final WHERE FALSE"))
        return
    streams = []
    for view, by_remote_number, key in (("fraud_subscriber_events", False, "subscriber_id"),
                                        ("fraud_remote_events", True, "remote_number")):
        name = "fraud rules by remote number" if by_remote_number else "fraud rules by subscriber"
        streams.append(keyed_by_column(t_env, t_env.from_path(view), key)
                       .process(FraudRulesFunction(rules, by_remote_number, ordered, in_sync_ms, classes),
                                output_type=DETECTED)
                       .uid(name.replace(" ", "-")).name(name))
    if route_limits is not None:
        streams.append(route_alarms(t_env, route_limits, ordered, DETECTED))
    alerts = streams[0].union(*streams[1:])
    if notifications is not None:
        alerts = (alerts.map(NotifyFunction(notifications), output_type=DETECTED)
                  .uid("fraud-notifications").name("fraud notifications (SNS)"))
    _detected_view(t_env, alerts)


class NotifyFunction(MapFunction):
    """Publishes each alert row (and the block it asked for) to SNS and passes it on; the
    publishing happens on a thread of its own (stream_io/notifications.py), never in the way."""

    def __init__(self, notifications: Notifications):
        self._notifications = notifications
        self._notifier: Notifier | None = None

    def open(self, runtime_context: RuntimeContext) -> None:
        drop_debug_records()
        settings = self._notifications
        self._notifier = Notifier(sns_publisher(settings.topic_arn, settings.region, settings.endpoint))

    def map(self, row: Row) -> Row:
        assert self._notifier is not None
        if row.rule in ROUTE_RULES:
            self._notifier.send(route_notice(from_detected(row), self._notifications.dashboard_url))
            return row
        alert = Alert(row.alert_id, row.subscriber_id, Rule(row.rule), Severity(row.severity), row.detected_at_ms,
                      row.window_start_ms, row.window_end_ms, Decimal(row.observed), Decimal(row.threshold),
                      tuple(json.loads(row.evidence_call_ids)))
        block = (Block(Kind(row.block_kind), row.subscriber_id, row.block_reason, row.rule, row.alert_id,
                       row.detected_at_ms, row.block_until_ms, FRAUD_JOB) if row.block_kind else None)
        self._notifier.send(compose(alert, block, self._notifications.dashboard_url))
        return row

    def close(self) -> None:
        if self._notifier is not None:
            self._notifier.close()


def _detected_view(t_env: StreamTableEnvironment, alerts: DataStream) -> None:
    schema = (Schema.new_builder()
              .column_by_expression("event_time", "TO_TIMESTAMP_LTZ(detected_at_ms, 3)")
              .watermark("event_time", "SOURCE_WATERMARK()").build())
    t_env.create_temporary_view("fraud_detected", t_env.from_data_stream(alerts, schema))
