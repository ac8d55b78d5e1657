"""Fraud detection rules as plain Python: what each rule keeps, when it fires, what it says.

No Flink here. A detector sees one key's events (a subscriber's calls, or the calls from and to
one remote number for WANGIRI) and keeps what it needs in a `Store`: named spaces of small
values, which the Flink wrapper keeps in one keyed state and the tests in dicts. Every
window is event time and bounded: `expire(now)` drops what no window can still need and says
when to look again, so a subscriber's state is a few entries whatever its traffic.

Events do not arrive in event-time order, even per key: a leg's STOP comes when it ends while
windows count set-up times, and a job at parallelism > 1 reorders a subscriber's records when
it deduplicates them by record id. So an event is judged by every window it falls in: a late
event can fill a window that ends after it, and the fullest such window decides (a sliding
window is anchored at an event). In event-time order this is the window ending at the event.
Alerts are deterministic: the id hashes the key, the rule and the window's first event time,
so a replay or a restart from a checkpoint reproduces the same ids, and an escalation from
WARNING to CRITICAL in the same window overwrites the warning. (A stream that sees a window's
events in another order can cross the threshold on a different window than a replay, which
evaluates in event-time order; the cooldown then keeps it to one alert either way.)
"""

from __future__ import annotations

import abc
import bisect
import dataclasses
import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as phone_timezone

from domain.fraud_rules import ALWAYS, FraudRules, Rule, Severity

DAY_MS = 86_400_000
MAX_EVIDENCE = 10
MO = "MOBILE_ORIGINATED"
MT = "MOBILE_TERMINATED"


@dataclass(frozen=True)
class CallEvent:
    """One record the rules read: a leg's START, INTERIM or STOP, with only the fields they use."""

    record_id: str
    call_id: str
    subscriber_id: str
    record_type: str  # START, INTERIM or STOP
    direction: str  # MOBILE_ORIGINATED or MOBILE_TERMINATED
    start_ms: int
    end_ms: int | None  # None for a START
    answered: bool
    own_number: str  # the subscriber's number (E.164)
    remote_number: str  # the other party's number (E.164)
    home_country: str | None  # the subscriber's country (ISO 3166-1)
    remote_country: str | None
    amount: Decimal | None = None  # rated price of an outgoing final leg
    linked_id: str | None = None  # legs of one logical call (a conference, a transfer) share it
    # (destination country, direction, call type) as the minute metrics group legs: an alert
    # this event triggers is counted under them
    dimensions: tuple[str, str, str] = ("ZZ", "", "")
    answer_ms: int | None = None  # when the callee answered, if the record says so
    seen_ms: int | None = None  # an INTERIM: set-up + the duration so far
    hourly_cost: Decimal | None = None  # START/INTERIM: the plan's price of an hour of this call

    @property
    def logical_call(self) -> str:
        """The call this leg belongs to: a conference's many legs are one call attempt."""
        return self.linked_id or self.call_id

    @property
    def time_ms(self) -> int:
        """When the record happened: a STOP at its end, an INTERIM when written, a START at set-up."""
        if self.end_ms is not None:
            return self.end_ms
        return self.seen_ms if self.seen_ms is not None else self.start_ms

    @property
    def international(self) -> bool:
        return self.remote_country is not None and self.remote_country != self.home_country


@dataclass(frozen=True)
class Alert:
    alert_id: str
    subscriber_id: str  # for WANGIRI: the calling (foreign) number the spray came from
    rule: Rule
    severity: Severity
    detected_at_ms: int
    window_start_ms: int
    window_end_ms: int
    observed: Decimal
    threshold: Decimal
    evidence: tuple[str, ...]  # up to 10 call ids, oldest first
    evidence_records: tuple[str, ...] = field(default=(), compare=False)  # their record ids
    # (destination country, direction, call type) of the call a running-call alert concerns
    dimensions: tuple[str, str, str] | None = field(default=None, compare=False)

    @staticmethod
    def make_id(key: str, rule: Rule, window_start_ms: int) -> str:
        return hashlib.sha256(f"{key}|{rule}|{window_start_ms}".encode()).hexdigest()[:32]


class Store(Protocol):
    """Named spaces of key → value, one set per detector key (in the job, one Flink state)."""

    def get(self, space: str, key: str) -> Any | None: ...
    def put(self, space: str, key: str, value: Any) -> None: ...
    def remove(self, space: str, key: str) -> None: ...
    def items(self, space: str) -> Iterable[tuple[str, Any]]: ...


class DictStore:
    """A Store in plain dicts: for tests, for replaying rules without Flink, and what the job
    reads a key's state into (jobs/fraud_detection.py)."""

    def __init__(self) -> None:
        self.spaces: dict[str, dict[str, Any]] = {}

    def get(self, space: str, key: str) -> Any | None:
        return self.spaces.get(space, {}).get(key)

    def put(self, space: str, key: str, value: Any) -> None:
        self.spaces.setdefault(space, {})[key] = value

    def remove(self, space: str, key: str) -> None:
        self.spaces.get(space, {}).pop(key, None)

    def items(self, space: str) -> Iterable[tuple[str, Any]]:
        return list(self.spaces.get(space, {}).items())

    def size(self) -> int:
        return sum(len(values) for values in self.spaces.values())


# An entry of a sliding window: (event time ms, call id, record id, value, tag).
Entry = tuple[int, str, str, Any, str]
WINDOWS = "windows"  # rule -> list[Entry]
COOLDOWN = "cooldown"  # rule -> (until ms, severity, alert id)
OPEN_CALLS = "calls"  # call id -> (start ms, end ms | None, record id, logical call)
ENDED = "ended"  # call id -> until ms: calls whose STOP came, so a late START cannot reopen them
SPEND = "spend"  # UTC day number -> Decimal
DESTINATIONS = "destinations"  # country -> (first seen ms, last seen ms)
META = "meta"  # "first_seen" -> ms; "flagged_until" -> ms (WANGIRI)
RUNNING = "running"  # call id -> RunningCall: calls set up and not yet stopped (LONG_CALL, RUNNING_COST)
RUNNING_RULES = (Rule.LONG_CALL, Rule.RUNNING_COST)
HOUR_MS = 3_600_000
# A key's state is expired (`Detector.expire`) at most once an hour, an hour after its first
# event at the soonest. Its entries fall due at many instants (each window's retention after
# each call, an ended call, a day's spend, a destination's history), and each expiry is a timer
# firing with a state read and write: on RocksDB (MSF's backend) the rules' largest cost
# (bench/fraud_operator.py). Rules judge windows, cooldowns and running calls by time, so what
# lingers up to an hour past its due changes what they read only at the edges, and the same way
# live and in a replay: an ended call still blocks a START arriving that much later, a
# conference's legs are still counted once, a destination stays known an hour past its 30 days.
EXPIRY_STEP_MS = HOUR_MS


@dataclass(frozen=True)
class RunningCall:
    """What the running-call rules keep of a call between its START and its STOP."""

    subscriber_id: str
    start_ms: int
    answer_ms: int | None
    hourly_cost: Decimal | None
    record_id: str
    last_ms: int  # its newest record: forgotten max_open after it when no STOP comes
    dimensions: tuple[str, str, str]
    alerted: tuple[str | None, str | None] = (None, None)  # severity raised so far, per RUNNING_RULES

    def observed(self, rule: Rule, now_ms: int) -> Decimal | None:
        """LONG_CALL: seconds since set-up; RUNNING_COST: the hourly price × time since the
        answer (since set-up while no record has said it was answered)."""
        if rule is Rule.LONG_CALL:
            return Decimal(now_ms - self.start_ms) / 1000
        if self.hourly_cost is None:
            return None
        since = self.answer_ms if self.answer_ms is not None else self.start_ms
        return (self.hourly_cost * (now_ms - since) / HOUR_MS).quantize(Decimal("0.000001"))

    def crosses_at(self, rule: Rule, level: Decimal) -> int | None:
        """The first millisecond at which `observed` reaches `level` (None: never)."""
        if rule is Rule.LONG_CALL:
            return self.lasts_at(level)
        if not self.hourly_cost:
            return None
        since = self.answer_ms if self.answer_ms is not None else self.start_ms
        return since + int((level * HOUR_MS / self.hourly_cost).to_integral_value(rounding="ROUND_CEILING"))

    def lasts_at(self, seconds: Decimal) -> int:
        """The first millisecond at which the call has lasted `seconds`."""
        return self.start_ms + int((seconds * 1000).to_integral_value(rounding="ROUND_CEILING"))


def _window(store: Store, rule: Rule) -> list[Entry]:
    return list(store.get(WINDOWS, rule.value) or [])


def _since(entries: list[Entry], start_ms: int) -> list[Entry]:
    return [entry for entry in entries if entry[0] > start_ms]


def _count_of(entries: list[Entry]) -> int:
    return len(entries)


def _distinct_keys(entries: list[Entry]) -> int:
    """Distinct values (WANGIRI: distinct subscribers called)."""
    return len({entry[3] for entry in entries})


def _peak(entries: list[Entry], at_ms: int, length_ms: int,
          measure: Callable[[list[Entry]], int]) -> tuple[int, list[Entry]]:
    """The fullest window the event at `at_ms` falls in: windows of `length_ms` ending at an
    entry in [at_ms, at_ms + length_ms), judged by `measure`; the earliest wins a tie."""
    ordered = sorted(entries)
    times = [entry[0] for entry in ordered]
    best: tuple[int, list[Entry]] = (0, [])
    for end in sorted({t for t in times if at_ms <= t < at_ms + length_ms}):
        within = ordered[bisect.bisect_right(times, end - length_ms):bisect.bisect_right(times, end)]
        value = measure(within)
        if value > best[0]:
            best = (value, within)
    return best


# A call as CONCURRENT_CALLS sees it: (set-up ms, end ms, call id, record id, logical call).
OpenCall = tuple[int, int, str, str, str]


def busiest_overlap(calls: list[OpenCall], instants: Iterable[int]) -> list[Entry]:
    """The most logical calls open at once (start ≤ instant < end) at one of `instants`, the
    earliest such instant winning a tie: each logical call as its earliest-set-up leg open then.
    A sweep over the instants in order, so its cost is the calls open at each, not all of them."""
    ordered = sorted(calls)
    busiest: list[Entry] = []
    opened, active = 0, list[OpenCall]()
    for at in sorted(instants):
        while opened < len(ordered) and ordered[opened][0] <= at:
            active.append(ordered[opened])
            opened += 1
        active = [call for call in active if call[1] > at]
        if len({call[4] for call in active}) > len(busiest):
            overlapping: dict[str, Entry] = {}
            for start, _, call_id, record_id, logical in active:
                overlapping.setdefault(logical, (start, call_id, record_id, 1, ""))
            busiest = list(overlapping.values())
    return busiest


_RANK = {None: 0, Severity.WARNING.value: 1, Severity.CRITICAL.value: 2}


class Detector(abc.ABC):
    """Shared bookkeeping: windows, cooldown, alert making, expiry."""

    def __init__(self, rules: FraudRules):
        self.rules = rules

    @abc.abstractmethod
    def on_event(self, store: Store, event: CallEvent) -> list[Alert]:
        """The alerts this event raises (the store updated)."""

    @abc.abstractmethod
    def expire(self, store: Store, now_ms: int) -> int | None:
        """Drops what no rule needs at `now_ms`; returns when to call again (None: nothing kept)."""

    def tick(self, store: Store, now_ms: int) -> list[Alert]:
        """The alerts time alone raises at `now_ms` (a call running on with no record)."""
        return []

    def next_check(self, store: Store) -> int | None:
        """When `tick` may next raise an alert (None: not until another event)."""
        return None

    def _alert(self, store: Store, key: str, rule: Rule, levels_key: str, observed: Decimal | int,
               entries: list[Entry], now_ms: int) -> Alert | None:
        """An alert if `observed` reaches a level and the rule is not cooling down for this key
        (an escalation to CRITICAL passes)."""
        levels = self.rules.levels_for(rule, levels_key)
        severity = levels.severity(observed)
        if severity is None or not entries or not self._in_schedule(store, rule, now_ms):
            return None
        cooling = store.get(COOLDOWN, rule.value)
        if cooling is not None and now_ms < cooling[0]:
            if not (cooling[1] == Severity.WARNING.value and severity is Severity.CRITICAL):
                return None
            alert_id, window_start = cooling[2], cooling[3]
        else:
            window_start = min(entry[0] for entry in entries)
            alert_id = Alert.make_id(key, rule, window_start)
        store.put(COOLDOWN, rule.value, (now_ms + self.rules.cooldown_ms, severity.value, alert_id, window_start))
        evidence = sorted(entries)[-MAX_EVIDENCE:]
        return Alert(alert_id, key, rule, severity, now_ms, window_start, now_ms, Decimal(observed),
                     levels.threshold(severity), tuple(e[1] for e in evidence), tuple(e[2] for e in evidence))

    def _in_schedule(self, store: Store, rule: Rule, at_ms: int) -> bool:
        """Whether the rule applies at `at_ms` (its active_hours/active_days, on its time_zone's
        wall clock, else the subscriber number's)."""
        schedule = self.rules.schedule(rule)
        if schedule is ALWAYS:
            return True
        zone = ZoneInfo(schedule.zone) if schedule.zone else zone_of(store.get(META, "number") or "")
        local = datetime.fromtimestamp(at_ms / 1000, UTC).astimezone(zone)
        return schedule.covers(local.weekday(), local.time())

    def _length(self, rule: Rule) -> int:
        """A rule's window; SPEND_SPIKE keeps a day's evidence."""
        return self.rules.windows_ms.get(rule, DAY_MS)

    def _retention(self, rule: Rule) -> int:
        """How long a window entry is kept after its set-up: its window, and as long again as a
        leg may last (max_open), since a leg is known at its end: a long call's STOP arrives
        after later-started calls and still needs the entries of its own window."""
        return self._length(rule) + self.rules.max_open_ms

    def _expire_windows(self, store: Store, now_ms: int) -> list[int]:
        """Drops window entries and cooldowns no rule can still need; the times they fall due."""
        due = []
        for name, entries in store.items(WINDOWS):
            retention = self._retention(Rule(name))
            keep = _since(entries, now_ms - retention)
            if keep:
                store.put(WINDOWS, name, keep)
                due.append(min(e[0] for e in keep) + retention)
            else:
                store.remove(WINDOWS, name)
        for name, cooling in store.items(COOLDOWN):
            if cooling[0] <= now_ms:
                store.remove(COOLDOWN, name)
            else:
                due.append(cooling[0])
        return due

    def _add(self, store: Store, rule: Rule, entry: Entry,
             measure: Callable[[list[Entry]], int] = _count_of) -> tuple[int, list[Entry]]:
        """Adds an entry to the rule's window (dropping what no window with it can hold);
        returns the fullest window it falls in, as (measure, entries)."""
        return _peak(self._keep(store, rule, entry), entry[0], self.rules.windows_ms[rule], measure)

    def _keep(self, store: Store, rule: Rule, entry: Entry) -> list[Entry]:
        """Adds an entry to the rule's window; returns the window's entries."""
        entries = _since(_window(store, rule), entry[0] - self._retention(rule)) + [entry]
        store.put(WINDOWS, rule.value, entries)
        return entries


class SubscriberDetector(Detector):
    """The rules keyed by subscriber: VELOCITY, CONCURRENT_CALLS, HIGH_RISK_DESTINATION,
    OFF_HOURS_INTERNATIONAL, SPEND_SPIKE, NEW_DESTINATION_BURST, LONG_CALL, RUNNING_COST,
    SEQUENTIAL_CALLS, TOTAL_CALLS, NEWCOMER."""

    def on_event(self, store: Store, event: CallEvent) -> list[Alert]:
        if event.direction != MO:
            return []
        first_seen = store.get(META, "first_seen")
        if first_seen is None or event.start_ms < first_seen:
            first_seen = event.start_ms
            store.put(META, "first_seen", first_seen)
        if event.start_ms > (store.get(META, "last_seen") or 0):
            store.put(META, "last_seen", event.start_ms)
            store.put(META, "number", event.own_number)  # its zone scopes the rules' schedules
        known = event.record_type == "INTERIM" and store.get(OPEN_CALLS, event.call_id) is not None
        alerts = [] if known else [self._concurrent(store, event)]
        if event.record_type == "STOP":
            alerts += [self._velocity(store, event), self._high_risk(store, event), self._off_hours(store, event),
                       self._spend(store, event, first_seen), self._new_destination(store, event, first_seen),
                       self._total(store, event), self._sequential(store, event),
                       self._newcomer(store, event), *self._stopped(store, event)]
        else:
            if event.record_type == "START":
                alerts.append(self._high_risk(store, event))
            alerts += self._running(store, event)
        return [alert for alert in alerts if alert is not None]

    def _running(self, store: Store, event: CallEvent) -> list[Alert]:
        """A START or INTERIM: the call is (still) running; its duration and cost so far are
        checked now, and by `tick` when they cross a level before its next record."""
        if store.get(ENDED, event.call_id) is not None:
            return []  # its STOP came first
        known: RunningCall | None = store.get(RUNNING, event.call_id)
        call = RunningCall(
            event.subscriber_id, event.start_ms,
            event.answer_ms if event.answer_ms is not None else (known.answer_ms if known else None),
            event.hourly_cost if event.hourly_cost is not None else (known.hourly_cost if known else None),
            known.record_id if known else event.record_id, max(event.time_ms, known.last_ms if known else 0),
            event.dimensions, known.alerted if known else (None, None))
        store.put(RUNNING, event.call_id, call)
        return self._check_running(store, event.call_id, call,
                                   {rule: call.observed(rule, event.time_ms) for rule in RUNNING_RULES},
                                   event.time_ms)

    def _stopped(self, store: Store, event: CallEvent) -> list[Alert]:
        """A STOP: the call's whole duration and its rated price, unless already alerted at that
        severity while it ran."""
        assert event.end_ms is not None
        known: RunningCall | None = store.get(RUNNING, event.call_id)
        store.remove(RUNNING, event.call_id)
        call = RunningCall(event.subscriber_id, event.start_ms, event.answer_ms, None, event.record_id, event.end_ms,
                           event.dimensions, known.alerted if known else (None, None))
        observed = {Rule.LONG_CALL: Decimal(event.end_ms - event.start_ms) / 1000, Rule.RUNNING_COST: event.amount}
        return self._check_running(store, event.call_id, call, observed, event.end_ms, remember=False)

    def _check_running(self, store: Store, call_id: str, call: RunningCall,
                       observed: dict[Rule, Decimal | None], now_ms: int, remember: bool = True) -> list[Alert]:
        """Alerts for the levels the call has newly reached (each severity once per call);
        what was raised is remembered while the call runs."""
        alerts = []
        alerted = list(call.alerted)
        for index, rule in enumerate(RUNNING_RULES):
            value = observed[rule]
            if value is None:
                continue
            severity = self.rules.levels_for(rule, call.subscriber_id).severity(value)
            if severity is None or _RANK[severity.value] <= _RANK[alerted[index]]:
                continue
            alerted[index] = severity.value
            entry = (call.start_ms, call_id, call.record_id, value, "")
            alert = self._alert(store, call.subscriber_id, rule, call.subscriber_id, value, [entry], now_ms)
            if alert is not None:
                alerts.append(dataclasses.replace(alert, dimensions=call.dimensions))
        if remember and tuple(alerted) != call.alerted:
            store.put(RUNNING, call_id, dataclasses.replace(call, alerted=(alerted[0], alerted[1])))
        return alerts

    def _watched_until(self, call: RunningCall) -> int:
        """A call with no record for max_open is taken as ended (its STOP lost), but not before
        its LONG_CALL critical level: a call that sends no INTERIM must still reach it."""
        critical = self.rules.levels_for(Rule.LONG_CALL, call.subscriber_id).critical
        return max(call.last_ms + self.rules.max_open_ms, call.lasts_at(critical) + 1)

    def tick(self, store: Store, now_ms: int) -> list[Alert]:
        alerts = []
        for call_id, call in store.items(RUNNING):
            if now_ms < self._watched_until(call):
                alerts += self._check_running(store, call_id, call,
                                              {rule: call.observed(rule, now_ms) for rule in RUNNING_RULES}, now_ms)
        return alerts

    def next_check(self, store: Store) -> int | None:
        times = []
        for _, call in store.items(RUNNING):
            for index, rule in enumerate(RUNNING_RULES):
                levels = self.rules.levels_for(rule, call.subscriber_id)
                level = {None: levels.warning, Severity.WARNING.value: levels.critical}.get(call.alerted[index])
                at = None if level is None else call.crosses_at(rule, level)
                if at is not None and at < self._watched_until(call):
                    times.append(at)
        return min(times, default=None)

    def _count(self, store: Store, rule: Rule, event: CallEvent, tag: str = "") -> Alert | None:
        """The call joins the rule's window; the alert, if the calls in it reach a level."""
        count, entries = self._add(store, rule, (event.start_ms, event.call_id, event.record_id, 1, tag))
        return self._alert(store, event.subscriber_id, rule, event.subscriber_id, count, entries, event.time_ms)

    def _velocity(self, store: Store, event: CallEvent) -> Alert | None:
        return self._attempts(store, Rule.VELOCITY, event)

    def _total(self, store: Store, event: CallEvent) -> Alert | None:
        return self._attempts(store, Rule.TOTAL_CALLS, event)

    def _attempts(self, store: Store, rule: Rule, event: CallEvent) -> Alert | None:
        """Attempts are logical calls: the legs of one conference count once."""
        entries = _window(store, rule)
        if event.logical_call in [entry[4] for entry in entries]:
            return None
        return self._count(store, rule, event, event.logical_call)

    def _newcomer(self, store: Store, event: CallEvent) -> Alert | None:
        """Calls abroad or to high-risk ranges by a subscriber activated less than new_for ago,
        by its date in the reference data. Without one it is never a newcomer: a job cannot tell
        a new subscription from an old one it has not seen yet (measured: by first call seen,
        every subscriber is new in the job's first week, 225 false alerts per 10,000 a day)."""
        since = self.rules.subscriber_since.get(event.subscriber_id)
        if since is None or not 0 <= event.start_ms - since < self.rules.newcomer_for_ms:
            return None
        risky = is_high_risk(event.remote_number, self.rules.high_risk_prefixes, self.rules.premium_rate)
        if not (event.international or risky):
            return None
        return self._count(store, Rule.NEWCOMER, event)

    def _sequential(self, store: Store, event: CallEvent) -> Alert | None:
        """Consecutive calls (in set-up order, within the window either side of this one) to
        numbers that differ only in their last varying_digits digits: a range dialled through.
        Counted in distinct numbers, so redialling one number is no run."""
        digits = event.remote_number.lstrip("+")
        varying = self.rules.sequence_varying_digits
        if not event.remote_number.startswith("+") or len(digits) <= varying + 3:
            return None
        entry = (event.start_ms, event.call_id, event.record_id, event.remote_number, digits[:-varying])
        window = self.rules.windows_ms[Rule.SEQUENTIAL_CALLS]
        near = sorted(e for e in self._keep(store, Rule.SEQUENTIAL_CALLS, entry) if abs(e[0] - event.start_ms) < window)
        at = near.index(entry)
        first, last = at, at
        while first > 0 and near[first - 1][4] == entry[4]:
            first -= 1
        while last + 1 < len(near) and near[last + 1][4] == entry[4]:
            last += 1
        run = near[first:last + 1]
        return self._alert(store, event.subscriber_id, Rule.SEQUENTIAL_CALLS, event.subscriber_id,
                           len({e[3] for e in run}), run, event.time_ms)

    def _concurrent(self, store: Store, event: CallEvent) -> Alert | None:
        """Logical calls in progress at once (a conference is one call), counted at every set-up
        while this call was open: a call that arrives late can raise the count at a later one."""
        if event.end_ms is not None:
            store.put(OPEN_CALLS, event.call_id, (event.start_ms, event.end_ms, event.record_id, event.logical_call))
            # A START can arrive after its STOP (they travel different paths through the job),
            # even after the ended call has expired: remember it ended while its START could claim it.
            store.put(ENDED, event.call_id, event.start_ms + self.rules.max_open_ms)
        elif store.get(ENDED, event.call_id) is None and store.get(OPEN_CALLS, event.call_id) is None:
            store.put(OPEN_CALLS, event.call_id, (event.start_ms, None, event.record_id, event.logical_call))
        open_for = self.rules.max_open_ms
        own_end = max(event.end_ms if event.end_ms is not None else event.start_ms + open_for, event.start_ms + 1)
        # One pass over the open calls: those long over are dropped; only those open at some
        # instant of this call's span can overlap it (a handful, however many calls the subscriber
        # made in the last hours: a PBX trunk's hundreds); the set-ups within the span are the
        # instants the count is taken at.
        spanning: list[OpenCall] = []
        set_ups: set[int] = set()
        for call_id, (start, end, record_id, logical) in store.items(OPEN_CALLS):
            ends = end if end is not None else start + open_for
            if ends < event.start_ms - open_for:
                store.remove(OPEN_CALLS, call_id)  # long over: no later call can overlap it
                continue
            if start < own_end and ends > event.start_ms:
                spanning.append((start, ends, call_id, record_id, logical))
            if event.start_ms <= start < own_end:
                set_ups.add(start)
        busiest = busiest_overlap(spanning, set_ups)
        return self._alert(store, event.subscriber_id, Rule.CONCURRENT_CALLS, event.subscriber_id,
                           len(busiest), busiest, event.time_ms)

    def _high_risk(self, store: Store, event: CallEvent) -> Alert | None:
        """Counted at the call's START (a call to a satellite range counts while it runs), or
        at its STOP when no START came: once per call."""
        if not is_high_risk(event.remote_number, self.rules.high_risk_prefixes, self.rules.premium_rate):
            return None
        if event.call_id in [entry[1] for entry in _window(store, Rule.HIGH_RISK_DESTINATION)]:
            return None
        return self._count(store, Rule.HIGH_RISK_DESTINATION, event)

    def _off_hours(self, store: Store, event: CallEvent) -> Alert | None:
        if not event.international:
            return None
        business = self.rules.business
        zone = ZoneInfo(business.zone) if business.zone else zone_of(event.own_number)
        local = datetime.fromtimestamp(event.start_ms / 1000, UTC).astimezone(zone)
        if business.covers(local.weekday(), local.time()):
            return None
        return self._count(store, Rule.OFF_HOURS_INTERNATIONAL, event)

    def _spend(self, store: Store, event: CallEvent, first_seen: int) -> Alert | None:
        """Today's (UTC) rated spend against the cap and the subscriber's own daily mean; a
        newcomer (less history than min_history) only at the critical cap. One alert per day:
        its window is the day, so a later, higher figure overwrites it."""
        if not event.amount:
            return None
        day = event.start_ms // DAY_MS
        today = Decimal(store.get(SPEND, str(day)) or 0) + event.amount
        store.put(SPEND, str(day), today)
        calls = _since(_window(store, Rule.SPEND_SPIKE), day * DAY_MS - 1)
        calls = (calls + [(event.start_ms, event.call_id, event.record_id, event.amount, "")])[-MAX_EVIDENCE:]
        store.put(WINDOWS, Rule.SPEND_SPIKE.value, calls)
        levels = self.rules.levels_for(Rule.SPEND_SPIKE, event.subscriber_id)
        severity = levels.severity(today)
        if severity is None or not self._in_schedule(store, Rule.SPEND_SPIKE, event.time_ms):
            return None
        if event.start_ms - first_seen < self.rules.spend_min_history_ms:
            if severity is not Severity.CRITICAL:
                return None
        else:
            history_days = min(7, (day * DAY_MS - first_seen) // DAY_MS + 1)
            previous = sum((Decimal(store.get(SPEND, str(d)) or 0) for d in range(day - 7, day)), Decimal(0))
            if today < self.rules.spend_multiple * previous / history_days:
                return None
        cooling = store.get(COOLDOWN, Rule.SPEND_SPIKE.value)
        if cooling is not None and cooling[3] == day * DAY_MS and cooling[1] == severity.value:
            return None  # already said today, at this severity
        alert_id = Alert.make_id(event.subscriber_id, Rule.SPEND_SPIKE, day * DAY_MS)
        store.put(COOLDOWN, Rule.SPEND_SPIKE.value, ((day + 1) * DAY_MS, severity.value, alert_id, day * DAY_MS))
        return Alert(alert_id, event.subscriber_id, Rule.SPEND_SPIKE, severity, event.time_ms, day * DAY_MS,
                     event.time_ms, today, levels.threshold(severity), tuple(c[1] for c in calls),
                     tuple(c[2] for c in calls))

    def _new_destination(self, store: Store, event: CallEvent, first_seen: int) -> Alert | None:
        country = event.remote_country
        if country is None or country == event.home_country:
            return None
        seen = store.get(DESTINATIONS, country)
        store.put(DESTINATIONS, country, (seen[0] if seen else event.start_ms, event.start_ms))
        window = self.rules.windows_ms[Rule.NEW_DESTINATION_BURST]
        established = event.start_ms - first_seen >= self.rules.destination_min_history_ms
        if seen is not None and seen[0] <= event.start_ms - window or not established:
            return None  # known within the history, or too little history to tell
        return self._count(store, Rule.NEW_DESTINATION_BURST, event, country)

    def expire(self, store: Store, now_ms: int) -> int | None:
        due = self._expire_windows(store, now_ms)
        for call_id, running in store.items(RUNNING):
            if self._watched_until(running) <= now_ms:
                store.remove(RUNNING, call_id)  # its STOP was lost
            else:
                due.append(self._watched_until(running))
        for call_id, (start, end, _, _) in store.items(OPEN_CALLS):
            ends = end if end is not None else start + self.rules.max_open_ms
            if ends <= now_ms:
                store.remove(OPEN_CALLS, call_id)
            else:
                due.append(ends)
        for call_id, until in store.items(ENDED):
            if until <= now_ms:
                store.remove(ENDED, call_id)
            else:
                due.append(until)
        today = now_ms // DAY_MS
        for day, _ in store.items(SPEND):
            if int(day) < today - 7:
                store.remove(SPEND, day)
            else:
                due.append((int(day) + 8) * DAY_MS)
        for country, (_, last) in store.items(DESTINATIONS):
            if last <= now_ms - self.rules.destination_history_ms:
                store.remove(DESTINATIONS, country)
            else:
                due.append(last + self.rules.destination_history_ms)
        last_seen = store.get(META, "last_seen")
        if last_seen is not None and last_seen > now_ms - self.rules.destination_history_ms:
            due.append(last_seen + self.rules.destination_history_ms)  # its history is still history
        if not due:
            store.remove(META, "first_seen")  # silent for the whole history: it starts over
            store.remove(META, "last_seen")
            store.remove(META, "number")
            return None
        return min(due)


def next_expiry(now_ms: int, due: int | None = None) -> int:
    """When to expire a key's state next, at `now_ms` (its first event, or an expiry that left
    something due at `due`): `due`, but not within EXPIRY_STEP_MS of `now_ms`."""
    return max(due if due is not None else now_ms, now_ms + EXPIRY_STEP_MS)


class RemoteNumberDetector(Detector):
    """WANGIRI keyed by the foreign number: brief unanswered calls from it to many distinct
    subscribers, then (WANGIRI_CALLBACK) subscribers calling it back while it is flagged."""

    def on_event(self, store: Store, event: CallEvent) -> list[Alert]:
        if event.record_type != "STOP" or not event.international:
            return []
        if event.direction == MT:
            return self._spray(store, event)
        return self._callback(store, event)

    def _spray(self, store: Store, event: CallEvent) -> list[Alert]:
        if event.answered or event.end_ms is None or event.end_ms - event.start_ms > self.rules.max_ring_ms:
            return []
        victims, entries = self._add(store, Rule.WANGIRI, (event.start_ms, event.call_id, event.record_id,
                                                           event.subscriber_id, ""), _distinct_keys)
        alert = self._alert(store, event.remote_number, Rule.WANGIRI, event.remote_number, victims, entries,
                            event.time_ms)
        if alert is None:
            return []
        store.put(META, "flagged_until", event.time_ms + self.rules.windows_ms[Rule.WANGIRI_CALLBACK])
        # Subscribers who already called it back in the last day are victims too.
        return [alert, *self._callbacks_so_far(store, event.time_ms)]

    def _callback(self, store: Store, event: CallEvent) -> list[Alert]:
        entries = self._keep(store, Rule.WANGIRI_CALLBACK,
                             (event.start_ms, event.call_id, event.record_id, event.subscriber_id, ""))
        flagged_until = store.get(META, "flagged_until")
        if flagged_until is None or event.time_ms > flagged_until:
            return []
        alert = self._callback_alert(store, event.subscriber_id, entries, event.time_ms)
        return [alert] if alert else []

    def _callbacks_so_far(self, store: Store, now_ms: int) -> Iterator[Alert]:
        entries = _window(store, Rule.WANGIRI_CALLBACK)
        for subscriber in sorted({entry[3] for entry in entries}):
            alert = self._callback_alert(store, subscriber, entries, now_ms)
            if alert:
                yield alert

    def _callback_alert(self, store: Store, subscriber: str, entries: list[Entry], now_ms: int) -> Alert | None:
        """Per subscriber: its callbacks, and a cooldown of its own (space per subscriber)."""
        own = [entry for entry in entries if entry[3] == subscriber]
        scoped = _Scoped(store, subscriber)
        return self._alert(scoped, subscriber, Rule.WANGIRI_CALLBACK, subscriber, len(own), own, now_ms)

    def expire(self, store: Store, now_ms: int) -> int | None:
        due = self._expire_windows(store, now_ms)
        flagged_until = store.get(META, "flagged_until")
        if flagged_until is not None and flagged_until <= now_ms:
            store.remove(META, "flagged_until")
        elif flagged_until is not None:
            due.append(flagged_until)
        for name, cooling in store.items(_Scoped.SPACE):
            if cooling[0] <= now_ms:
                store.remove(_Scoped.SPACE, name)
            else:
                due.append(cooling[0])
        return min(due) if due else None


class _Scoped:
    """A view of a Store whose cooldowns are per (subscriber, rule): one remote number's
    callback alerts are one per calling subscriber."""

    SPACE = "callback_cooldown"

    def __init__(self, store: Store, subscriber: str):
        self.store = store
        self.subscriber = subscriber

    def get(self, space: str, key: str) -> Any | None:
        return self.store.get(self.SPACE, self.subscriber) if space == COOLDOWN else self.store.get(space, key)

    def put(self, space: str, key: str, value: Any) -> None:
        if space == COOLDOWN:
            self.store.put(self.SPACE, self.subscriber, value)
        else:
            self.store.put(space, key, value)

    def remove(self, space: str, key: str) -> None:
        self.store.remove(space, key)

    def items(self, space: str) -> Iterable[tuple[str, Any]]:
        return self.store.items(space)


@functools.lru_cache(maxsize=1_048_576)
def zone_of(number: str) -> ZoneInfo:
    """The time zone of a subscriber's number (the first phonenumbers names), else UTC."""
    try:
        zones = phone_timezone.time_zones_for_geographical_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return ZoneInfo("UTC")
    name = next((zone for zone in zones if zone != phone_timezone.UNKNOWN_TIMEZONE), "UTC")
    return ZoneInfo(name)


@functools.lru_cache(maxsize=262_144)
def is_high_risk(number: str, prefixes: tuple[str, ...], premium_rate: bool) -> bool:
    """A listed high-risk prefix, or (if asked) a number phonenumbers classifies premium rate;
    never a service number (kept as dialled, without "+": 112 is no E.164 prefix)."""
    if not number.startswith("+"):
        return False
    digits = number.lstrip("+")
    if any(digits.startswith(prefix) for prefix in prefixes):
        return True
    if not premium_rate:
        return False
    try:
        return bool(phonenumbers.number_type(phonenumbers.parse(number)) == PhoneNumberType.PREMIUM_RATE)
    except phonenumbers.NumberParseException:
        return False
