"""The fraud rules in plain Python, with a fake clock (event times given) and a fake store."""

from __future__ import annotations

import dataclasses
import itertools
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain.fraud import (
    CallEvent,
    DictStore,
    RemoteNumberDetector,
    SubscriberDetector,
    busiest_overlap,
    is_high_risk,
    zone_of,
)
from domain.fraud_rules import DEFAULT_RULES, Action, Levels, Rule, RulesError, Severity, load_rules, parse_rules

RULES = load_rules()
T0 = datetime(2026, 11, 4, 14, 0, tzinfo=UTC)  # a Wednesday, 14:00 UTC (15:00 in Paris)
_ids = itertools.count()


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def call(at: datetime, *, seconds: float = 30, subscriber: str = "sub-1", direction: str = "MOBILE_ORIGINATED",
         remote: str = "+33612345678", remote_country: str | None = "FR", home: str = "FR",
         own: str = "+33698765432", answered: bool = True, amount: str | None = None, kind: str = "STOP",
         call_id: str | None = None) -> CallEvent:
    call_id = call_id or f"c{next(_ids)}"
    end = ms(at + timedelta(seconds=seconds)) if kind == "STOP" else None
    return CallEvent(f"{call_id}:{kind}", call_id, subscriber, kind, direction, ms(at), end, answered, own, remote,
                     home, remote_country, Decimal(amount) if amount else None)


def run(detector, events, store=None):
    store = store or DictStore()
    alerts = []
    for event in events:
        alerts += detector.on_event(store, event)
    return alerts, store


def test_rules_file_loads_with_both_levels_for_every_rule() -> None:
    assert set(RULES.levels) == set(Rule)
    assert all(levels.warning <= levels.critical for levels in RULES.levels.values())
    assert RULES.windows_ms[Rule.VELOCITY] == 60_000 and RULES.max_ring_ms == 3_000


def test_a_bad_rules_file_names_the_key(tmp_path: Path) -> None:
    text = DEFAULT_RULES.read_text().replace("window: 60 s", "window: sixty")
    with pytest.raises(RulesError, match=r"rules.VELOCITY.window: expected a duration"):
        parse_rules(text, "fraud.yaml")
    text = DEFAULT_RULES.read_text().replace("    warning: 12\n", "    warning: 40\n")
    with pytest.raises(RulesError, match=r"rules.VELOCITY: needs 0 < warning ≤ critical"):
        parse_rules(text)
    with pytest.raises(RulesError, match=r"subscribers.sub-9: unknown class 'vip'"):
        parse_rules(DEFAULT_RULES.read_text().replace("subscribers: {}", "subscribers: {sub-9: vip}"))


def test_velocity_warns_then_escalates_in_the_same_window_with_the_same_id() -> None:
    events = [call(T0 + timedelta(seconds=4 * i), seconds=1) for i in range(30)]  # 30 attempts in 2 min
    alerts, _ = run(SubscriberDetector(RULES), events)
    velocity = [a for a in alerts if a.rule is Rule.VELOCITY]
    assert [a.severity for a in velocity] == [Severity.WARNING]  # 15 per 60 s: never 30
    first = velocity[0]
    assert first.observed == 12 and first.threshold == 12
    assert first.window_start_ms == ms(T0) and len(first.evidence) == 10
    burst = [call(T0 + timedelta(seconds=i), seconds=1) for i in range(35)]  # 35 in 35 s
    alerts, _ = run(SubscriberDetector(RULES), burst)
    velocity = [a for a in alerts if a.rule is Rule.VELOCITY]
    assert [(a.severity, a.observed) for a in velocity] == [(Severity.WARNING, 12), (Severity.CRITICAL, 30)]
    assert velocity[0].alert_id == velocity[1].alert_id  # the escalation overwrites the warning


def test_velocity_below_threshold_and_cooldown() -> None:
    slow = [call(T0 + timedelta(seconds=6 * i), seconds=1) for i in range(60)]  # 10 per minute
    assert [a for a in run(SubscriberDetector(RULES), slow)[0] if a.rule is Rule.VELOCITY] == []
    two_bursts = [call(T0 + timedelta(seconds=i), seconds=1) for i in range(12)] + \
                 [call(T0 + timedelta(minutes=10, seconds=i), seconds=1) for i in range(12)]
    alerts = [a for a in run(SubscriberDetector(RULES), two_bursts)[0] if a.rule is Rule.VELOCITY]
    assert len(alerts) == 1  # the second burst falls in the 1 h cooldown
    later = two_bursts + [call(T0 + timedelta(hours=2, seconds=i), seconds=1) for i in range(12)]
    alerts = [a for a in run(SubscriberDetector(RULES), later)[0] if a.rule is Rule.VELOCITY]
    assert len(alerts) == 2 and alerts[0].alert_id != alerts[1].alert_id


def test_concurrent_calls_from_overlaps_and_open_starts() -> None:
    starts = [call(T0 + timedelta(seconds=i), kind="START", call_id=f"open{i}") for i in range(4)]
    overlapping_stop = call(T0 + timedelta(seconds=10), seconds=60)  # set up while 4 are open
    alerts, store = run(SubscriberDetector(RULES), [*starts, overlapping_stop])
    concurrent = [a for a in alerts if a.rule is Rule.CONCURRENT_CALLS]
    assert [(a.severity, a.observed) for a in concurrent] == [(Severity.WARNING, 5)]
    assert set(concurrent[0].evidence) == {"open0", "open1", "open2", "open3", overlapping_stop.call_id}
    # Calls one after the other never overlap.
    sequential = [call(T0 + timedelta(minutes=i), seconds=50) for i in range(20)]
    assert not [a for a in run(SubscriberDetector(RULES), sequential)[0] if a.rule is Rule.CONCURRENT_CALLS]


def test_high_risk_destination_by_prefix_and_premium_rate() -> None:
    assert is_high_risk("+881631234567", RULES.high_risk_prefixes, True)
    assert is_high_risk("+19005550100", RULES.high_risk_prefixes, True)
    assert is_high_risk("+447000123456", (), False) is False
    assert not is_high_risk("+33612345678", RULES.high_risk_prefixes, True)
    satellite = [call(T0 + timedelta(minutes=5 * i), remote="+88163123456" + str(i), remote_country=None)
                 for i in range(8)]
    alerts = [a for a in run(SubscriberDetector(RULES), satellite)[0] if a.rule is Rule.HIGH_RISK_DESTINATION]
    assert [(a.severity, a.observed) for a in alerts] == [(Severity.WARNING, 3), (Severity.CRITICAL, 8)]
    spread = [call(T0 + timedelta(minutes=40 * i), remote="+881631234567", remote_country=None) for i in range(6)]
    assert not [a for a in run(SubscriberDetector(RULES), spread)[0] if a.rule is Rule.HIGH_RISK_DESTINATION]


def test_off_hours_international_uses_the_subscribers_zone() -> None:
    assert zone_of("+33698765432").key == "Europe/Paris"
    night = datetime(2026, 11, 4, 2, 0, tzinfo=UTC)  # 03:00 in Paris
    calls = [call(night + timedelta(minutes=3 * i), remote="+2348031234567", remote_country="NG") for i in range(8)]
    alerts = [a for a in run(SubscriberDetector(RULES), calls)[0] if a.rule is Rule.OFF_HOURS_INTERNATIONAL]
    assert [(a.severity, a.observed) for a in alerts] == [(Severity.WARNING, 8)]
    daytime = [dataclasses.replace(c, start_ms=c.start_ms + 10 * 3_600_000, end_ms=(c.end_ms or 0) + 10 * 3_600_000)
               for c in calls]
    assert not [a for a in run(SubscriberDetector(RULES), daytime)[0] if a.rule is Rule.OFF_HOURS_INTERNATIONAL]
    domestic_at_night = [call(night + timedelta(minutes=i)) for i in range(8)]
    assert not [a for a in run(SubscriberDetector(RULES), domestic_at_night)[0]
                if a.rule is Rule.OFF_HOURS_INTERNATIONAL]


def test_off_hours_can_take_the_rules_own_time_zone() -> None:
    """03:00 in Paris is 10:00 in Tokyo: with time_zone Asia/Tokyo the night calls are business
    hours; an unknown zone is refused by name."""
    text = DEFAULT_RULES.read_text().replace("    # time_zone: Europe/London", "    time_zone: Asia/Tokyo")
    night = datetime(2026, 11, 4, 2, 0, tzinfo=UTC)
    calls = [call(night + timedelta(minutes=3 * i), remote="+2348031234567", remote_country="NG") for i in range(8)]
    assert not [a for a in run(SubscriberDetector(parse_rules(text)), calls)[0]
                if a.rule is Rule.OFF_HOURS_INTERNATIONAL]
    with pytest.raises(RulesError, match=r"OFF_HOURS_INTERNATIONAL.time_zone: no such time zone: 'Mars/Olympus'"):
        parse_rules(text.replace("Asia/Tokyo", "Mars/Olympus"))


def test_spend_spike_needs_the_cap_and_the_multiple_of_the_own_mean() -> None:
    history = [call(T0 - timedelta(days=d), amount="8.00") for d in range(1, 8)]  # 8 a day for a week
    spike = [call(T0 + timedelta(minutes=i), amount="10.00") for i in range(16)]  # 160 today
    alerts, _ = run(SubscriberDetector(RULES), [*history, *spike])
    spend = [a for a in alerts if a.rule is Rule.SPEND_SPIKE]
    # ≥ the 50 cap (and ≥ 5 × its mean of 8) at the 5th call; critical at 150: one id, the day's
    assert [(a.severity, a.observed) for a in spend] == [(Severity.WARNING, Decimal("50.00")),
                                                          (Severity.CRITICAL, Decimal("150.00"))]
    assert spend[0].alert_id == spend[1].alert_id and spend[0].window_start_ms == ms(T0.replace(hour=0))
    heavy = [call(T0 - timedelta(days=d), amount="40.00") for d in range(1, 8)]  # always spends 40
    alerts, _ = run(SubscriberDetector(RULES), [*heavy, *spike])
    assert not [a for a in alerts if a.rule is Rule.SPEND_SPIKE]  # 160 is above the cap, not 5 × its mean
    newcomer = [call(T0 + timedelta(minutes=i), amount="30.00") for i in range(6)]
    alerts = [a for a in run(SubscriberDetector(RULES), newcomer)[0] if a.rule is Rule.SPEND_SPIKE]
    assert [(a.severity, a.observed) for a in alerts] == [(Severity.CRITICAL, Decimal("150.00"))]  # only critical


def test_new_destination_burst_needs_history_and_new_countries() -> None:
    history = [call(T0 - timedelta(days=d), remote="+4915112345678", remote_country="DE") for d in range(1, 20)]
    burst = [call(T0 + timedelta(minutes=5 * i), remote=number, remote_country=country)
             for i, (number, country) in enumerate([("+2348031234567", "NG"), ("+923001234567", "PK"),
                                                    ("+639171234567", "PH"), ("+254712345678", "KE")])]
    alerts = [a for a in run(SubscriberDetector(RULES), [*history, *burst])[0] if a.rule is Rule.NEW_DESTINATION_BURST]
    assert [(a.severity, a.observed) for a in alerts] == [(Severity.WARNING, 4)]
    known = [call(T0 + timedelta(minutes=i), remote="+4915112345678", remote_country="DE") for i in range(6)]
    assert not [a for a in run(SubscriberDetector(RULES), [*history, *known])[0]
                if a.rule is Rule.NEW_DESTINATION_BURST]
    assert not [a for a in run(SubscriberDetector(RULES), burst)[0] if a.rule is Rule.NEW_DESTINATION_BURST]


def test_wangiri_spray_then_callbacks() -> None:
    number = "+2348031234567"
    spray = [call(T0 + timedelta(seconds=20 * i), seconds=2, subscriber=f"sub-{i}", direction="MOBILE_TERMINATED",
                  remote=number, remote_country="NG", answered=False) for i in range(8)]
    early_callback = call(T0 + timedelta(seconds=70), subscriber="sub-1", remote=number, remote_country="NG")
    late_callback = call(T0 + timedelta(hours=3), subscriber="sub-5", remote=number, remote_country="NG")
    too_late = call(T0 + timedelta(hours=30), subscriber="sub-6", remote=number, remote_country="NG")
    events = sorted([*spray, early_callback, late_callback, too_late], key=lambda e: e.time_ms)
    alerts, _ = run(RemoteNumberDetector(RULES), events)
    assert [(a.rule, a.subscriber_id) for a in alerts] == [
        (Rule.WANGIRI, number), (Rule.WANGIRI_CALLBACK, "sub-1"), (Rule.WANGIRI_CALLBACK, "sub-5")]
    assert alerts[0].observed == 8 and len(alerts[0].evidence) == 8
    # One subscriber rung three times is one victim, and rings longer than 3 s are no spray.
    repeat = [dataclasses.replace(c, subscriber_id="sub-0") for c in spray]
    slow = [call(T0 + timedelta(seconds=20 * i), seconds=8, subscriber=f"sub-{i}", direction="MOBILE_TERMINATED",
                 remote=number, remote_country="NG", answered=False) for i in range(8)]
    assert run(RemoteNumberDetector(RULES), repeat)[0] == [] and run(RemoteNumberDetector(RULES), slow)[0] == []


def test_classes_override_levels(tmp_path: Path) -> None:
    rules = parse_rules(DEFAULT_RULES.read_text().replace("subscribers: {}", "subscribers: {sub-cc: call_centre}"))
    busy = [call(T0 + timedelta(seconds=i), seconds=1, subscriber="sub-cc") for i in range(40)]
    assert not [a for a in run(SubscriberDetector(rules), busy)[0] if a.rule is Rule.VELOCITY]
    assert [a for a in run(SubscriberDetector(rules), [dataclasses.replace(c, subscriber_id="x") for c in busy])[0]
            if a.rule is Rule.VELOCITY]


def test_state_is_bounded_and_cleared_by_expiry() -> None:
    detector = SubscriberDetector(RULES)
    store = DictStore()
    for i in range(500):  # a busy day: calls every 2 minutes, some international, some paid
        detector.on_event(store, call(T0 + timedelta(minutes=2 * i), remote="+4915112345678", remote_country="DE",
                                      amount="0.10"))
        detector.expire(store, ms(T0 + timedelta(minutes=2 * i)))
    # windows of minutes to a day, days of spend, one destination; and the calls ended within max_open
    # (4 h: 120 at one call every 2 minutes), which a late START must not reopen
    assert len(store.spaces["ended"]) == 120 and store.size() - 120 <= 16
    due = detector.expire(store, ms(T0 + timedelta(days=40)))
    assert due is None and store.size() == 0
    remote = RemoteNumberDetector(RULES)
    remote_store = DictStore()
    remote.on_event(remote_store, call(T0, seconds=2, direction="MOBILE_TERMINATED", remote="+2348031234567",
                                       remote_country="NG", answered=False))
    # kept for the window and as long again as a leg may last (a long call arrives at its end)
    assert remote.expire(remote_store, ms(T0)) == ms(T0) + RULES.windows_ms[Rule.WANGIRI] + RULES.max_open_ms
    assert remote.expire(remote_store, ms(T0 + timedelta(days=2))) is None and remote_store.size() == 0


def test_a_conferences_legs_are_one_call() -> None:
    legs = [dataclasses.replace(call(T0 + timedelta(seconds=i), seconds=1_800, kind=kind), linked_id="conf-1")
            for i in range(14) for kind in ("START", "STOP")]
    alerts = run(SubscriberDetector(RULES), legs)[0]
    assert not [a for a in alerts if a.rule in (Rule.VELOCITY, Rule.CONCURRENT_CALLS)]
    apart = [call(T0 + timedelta(seconds=i), seconds=1_800) for i in range(14)]
    alerts = run(SubscriberDetector(RULES), apart)[0]
    assert {a.rule for a in alerts} == {Rule.VELOCITY, Rule.CONCURRENT_CALLS}


def test_mt_calls_are_not_subscriber_fraud() -> None:
    incoming = [call(T0 + timedelta(seconds=i), seconds=1, direction="MOBILE_TERMINATED") for i in range(40)]
    assert run(SubscriberDetector(RULES), incoming)[0] == []


def test_a_flood_in_any_arrival_order_is_one_alert_on_the_same_window() -> None:
    """Legs reach the rules out of set-up order (a STOP comes when its call ends; parallel
    deduplication reorders): 12 attempts 300 ms apart alert once whatever the order, on the
    window of all 12 (first set-up T0), so with the in-order id."""
    flood = [call(T0 + timedelta(milliseconds=300 * i), seconds=1.2, answered=False) for i in range(12)]
    in_order = [a for a in run(SubscriberDetector(RULES), flood)[0] if a.rule is Rule.VELOCITY]
    assert [(a.severity, a.observed, a.window_start_ms) for a in in_order] == [(Severity.WARNING, 12, ms(T0))]
    for seed in range(20):
        shuffled = random.Random(seed).sample(flood, len(flood))
        alerts = [a for a in run(SubscriberDetector(RULES), shuffled)[0] if a.rule is Rule.VELOCITY]
        assert [(a.alert_id, a.observed) for a in alerts] == [(in_order[0].alert_id, 12)]
    # The last arrival is the earliest call: only the windows after it were full.
    reversed_flood = [a for a in run(SubscriberDetector(RULES), flood[::-1])[0] if a.rule is Rule.VELOCITY]
    assert [a.alert_id for a in reversed_flood] == [in_order[0].alert_id]


def test_concurrency_counts_at_later_set_ups_when_a_call_arrives_late() -> None:
    # Five 10-minute calls set up a second apart; the STOPs arrive latest set-up first, so the
    # last to arrive (set up at T0) finds no other call open at its own set-up, but five at T0+4s.
    calls = [call(T0 + timedelta(seconds=i), seconds=600, call_id=f"long{i}") for i in range(5)]
    alerts = [a for a in run(SubscriberDetector(RULES), calls[::-1])[0] if a.rule is Rule.CONCURRENT_CALLS]
    assert [(a.severity, a.observed, a.window_start_ms) for a in alerts] == [(Severity.WARNING, 5, ms(T0))]
    assert set(alerts[0].evidence) == {f"long{i}" for i in range(5)}


def test_a_wangiri_spray_arriving_backwards_is_caught() -> None:
    number = "+2348031234567"
    spray = [call(T0 + timedelta(seconds=20 * i), seconds=2, subscriber=f"sub-{i}", direction="MOBILE_TERMINATED",
                  remote=number, remote_country="NG", answered=False) for i in range(8)]
    alerts = run(RemoteNumberDetector(RULES), spray[::-1])[0]
    assert [(a.rule, a.observed, a.window_start_ms) for a in alerts] == [(Rule.WANGIRI, 8, ms(T0))]


def test_a_start_arriving_after_its_stop_does_not_reopen_the_call() -> None:
    # Five short calls a minute apart, each STOP before its START (they travel different paths).
    events = []
    for i in range(5):
        stop = call(T0 + timedelta(minutes=i), seconds=20, call_id=f"short{i}")
        events += [stop, dataclasses.replace(stop, record_id=f"short{i}:START", record_type="START", end_ms=None)]
    assert not [a for a in run(SubscriberDetector(RULES), events)[0] if a.rule is Rule.CONCURRENT_CALLS]
    # Even when the STOP's entry would have expired (the call long over) before its START arrives.
    detector, store = SubscriberDetector(RULES), DictStore()
    for stop in events[::2]:
        detector.on_event(store, stop)
        detector.expire(store, stop.time_ms + 60_000)
    late_starts = [detector.on_event(store, start) for start in events[1::2]]
    assert not [a for alerts in late_starts for a in alerts if a.rule is Rule.CONCURRENT_CALLS]


def test_a_long_call_arriving_at_its_end_still_finds_its_window() -> None:
    """STOPs come in end order: eight night calls abroad set up 6 minutes apart, the first one
    lasting 90 minutes, so its STOP comes last — after a domestic call at 03:09 has moved the
    watermark (and expiry) more than the window past the early calls' set-ups."""
    night = datetime(2026, 11, 4, 2, 0, tzinfo=UTC)  # 03:00 in Paris
    calls = [call(night + timedelta(minutes=6 * i), seconds=5_400 if i == 0 else 60, remote="+2348031234567",
                  remote_country="NG") for i in range(8)]
    calls.append(call(night + timedelta(minutes=69), seconds=60))
    detector, store, alerts = SubscriberDetector(RULES), DictStore(), []
    for event in sorted(calls, key=lambda c: c.time_ms):
        alerts += detector.on_event(store, event)
        detector.expire(store, event.time_ms - 60_000)  # the watermark, a minute behind
    off_hours = [a for a in alerts if a.rule is Rule.OFF_HOURS_INTERNATIONAL]
    assert [(a.observed, a.window_start_ms) for a in off_hours] == [(8, ms(night))]


def running(at: datetime, kind: str, *, call_id: str, hourly: str | None = None, seen_s: float | None = None,
            answer: datetime | None = None, subscriber: str = "sub-1", remote: str = "+881631234567") -> CallEvent:
    """A START (or an INTERIM `seen_s` after set-up) of a call still running."""
    return CallEvent(f"{call_id}:{kind}:{seen_s}", call_id, subscriber, kind, "MOBILE_ORIGINATED", ms(at), None,
                     False, "+33698765432", remote, "FR", None, None, None, ("ZZ", "MOBILE_ORIGINATED", "VOICE"),
                     ms(answer) if answer else None, ms(at) + int(seen_s * 1000) if seen_s is not None else None,
                     Decimal(hourly) if hourly else None)


def test_a_running_call_alerts_on_its_cost_before_its_stop() -> None:
    """A satellite call at 6.50 a minute (390.00 an hour): 25 (warning) after 25/390 h =
    230,769.23 ms, so at set-up + 230,770 ms; 75 (critical) after 692,307.69 ms → + 692,308 ms."""
    detector, store = SubscriberDetector(RULES), DictStore()
    assert detector.on_event(store, running(T0, "START", call_id="sat", hourly="390.000000")) == []
    assert detector.next_check(store) == ms(T0) + 230_770
    warning = detector.tick(store, ms(T0) + 230_770)
    assert [(a.rule, a.severity, a.observed, a.threshold) for a in warning] == \
        [(Rule.RUNNING_COST, Severity.WARNING, Decimal("25.000083"), Decimal(25))]
    assert warning[0].evidence == ("sat",) and warning[0].window_start_ms == ms(T0)
    assert warning[0].dimensions == ("ZZ", "MOBILE_ORIGINATED", "VOICE")
    assert detector.tick(store, ms(T0) + 300_000) == []  # no level newly reached
    assert detector.next_check(store) == ms(T0) + 692_308
    critical = detector.tick(store, ms(T0) + 692_308)
    assert [(a.severity, a.observed) for a in critical] == [(Severity.CRITICAL, Decimal("75.000033"))]
    assert critical[0].alert_id == warning[0].alert_id  # the escalation overwrites the warning
    # LONG_CALL's 5 h is still to come; the STOP ends the watch without a second cost alert.
    assert detector.next_check(store) == ms(T0) + 5 * 3_600_000
    stop = dataclasses.replace(call(T0, seconds=1_200, remote="+881631234567", remote_country=None, amount="130",
                                    call_id="sat"))
    assert [a.rule for a in detector.on_event(store, stop)] == []
    assert detector.next_check(store) is None


def test_cost_runs_from_the_answer_once_a_record_gives_it() -> None:
    """An INTERIM 60 s after set-up says the call was answered at 20 s: the cost runs from
    there (390 an hour: 25 reached 230,770 ms after the answer)."""
    detector, store = SubscriberDetector(RULES), DictStore()
    detector.on_event(store, running(T0, "START", call_id="sat", hourly="390"))
    detector.on_event(store, running(T0, "INTERIM", call_id="sat", seen_s=60, answer=T0 + timedelta(seconds=20)))
    assert detector.next_check(store) == ms(T0) + 20_000 + 230_770


def test_a_long_call_alerts_at_an_interim_and_at_a_stop() -> None:
    detector, store = SubscriberDetector(RULES), DictStore()
    detector.on_event(store, running(T0, "START", call_id="long", remote="+33140000000"))
    late = detector.on_event(store, running(T0, "INTERIM", call_id="long", seen_s=5 * 3600 + 300,
                                            remote="+33140000000"))
    assert [(a.rule, a.severity, a.observed) for a in late] == [(Rule.LONG_CALL, Severity.WARNING, 18_300)]
    # No START nor INTERIM seen: the STOP alone says the call lasted 8 h 20 min.
    alerts = run(SubscriberDetector(RULES), [call(T0, seconds=30_000, call_id="unseen")])[0]
    assert [(a.rule, a.severity, a.observed) for a in alerts] == [(Rule.LONG_CALL, Severity.CRITICAL, 30_000)]


def test_a_call_without_interims_is_watched_up_to_its_long_call_critical() -> None:
    """Asterisk sends no INTERIM by default: a call known by its START alone is watched until
    LONG_CALL's critical level (8 h), though max_open (4 h) has passed; then forgotten."""
    detector, store = SubscriberDetector(RULES), DictStore()
    detector.on_event(store, running(T0, "START", call_id="quiet", remote="+33140000000"))
    assert detector.next_check(store) == ms(T0) + 5 * 3_600_000
    assert [a.severity for a in detector.tick(store, ms(T0) + 5 * 3_600_000)] == [Severity.WARNING]
    assert [a.severity for a in detector.tick(store, ms(T0) + 8 * 3_600_000)] == [Severity.CRITICAL]
    assert detector.next_check(store) is None
    assert detector.expire(store, ms(T0) + 8 * 3_600_000) == ms(T0) + 8 * 3_600_000 + 1
    detector.expire(store, ms(T0) + 8 * 3_600_000 + 1)
    assert store.items("running") == []


def test_a_high_risk_call_counts_at_its_start_once() -> None:
    events = []
    for i in range(3):
        start = running(T0 + timedelta(minutes=i), "START", call_id=f"hr{i}")
        events += [start, dataclasses.replace(call(T0 + timedelta(minutes=i), seconds=30, remote="+881631234567",
                                                   remote_country=None, call_id=f"hr{i}"))]
    alerts = [a for a in run(SubscriberDetector(RULES), events)[0] if a.rule is Rule.HIGH_RISK_DESTINATION]
    assert [(a.observed, a.detected_at_ms) for a in alerts] == [(3, ms(T0 + timedelta(minutes=2)))]


def test_duration_levels_and_actions_are_read_and_checked() -> None:
    assert RULES.levels[Rule.LONG_CALL] == Levels(Decimal(18_000), Decimal(28_800))
    assert RULES.action_for(Rule.RUNNING_COST, "anyone") is Action.BLOCK
    assert RULES.action_for(Rule.VELOCITY, "anyone") is Action.NONE
    assert RULES.block_for_ms == 86_400_000
    kill = DEFAULT_RULES.read_text().replace("max_ring: 3 s\n    action: block", "max_ring: 3 s\n    action: kill")
    with pytest.raises(RulesError, match=r"rules.WANGIRI.action: expected one of \['none', 'block'\], got 'kill'"):
        parse_rules(kill)
    with pytest.raises(RulesError, match=r"rules.LONG_CALL.warning: expected a duration"):
        parse_rules(DEFAULT_RULES.read_text().replace("warning: 5 h", "warning: 5"))


def test_sequential_calls_through_a_range_in_distinct_numbers() -> None:
    scan = [call(T0 + timedelta(seconds=30 * i), remote=f"+3314000{i:04d}", seconds=5) for i in range(20)]
    alerts = [a for a in run(SubscriberDetector(RULES), scan)[0] if a.rule is Rule.SEQUENTIAL_CALLS]
    assert [(a.severity, a.observed) for a in alerts] == [(Severity.WARNING, 10), (Severity.CRITICAL, 20)]
    assert alerts[0].window_start_ms == ms(T0) and alerts[0].alert_id == alerts[1].alert_id
    redial = [call(T0 + timedelta(seconds=30 * i), remote="+33140000007", seconds=5) for i in range(20)]
    assert not [a for a in run(SubscriberDetector(RULES), redial)[0] if a.rule is Rule.SEQUENTIAL_CALLS]
    # Another number between two halves of the scan breaks the run: 9 and 9, no alert.
    broken = scan[:9] + [call(T0 + timedelta(seconds=275), remote="+4915112345678", seconds=5)] + scan[11:]
    assert not [a for a in run(SubscriberDetector(RULES), broken)[0] if a.rule is Rule.SEQUENTIAL_CALLS]
    # In any arrival order the same run is found.
    assert [a.observed for a in run(SubscriberDetector(RULES), scan[::-1])[0]
            if a.rule is Rule.SEQUENTIAL_CALLS][-1] == 20


def test_total_calls_per_day_counts_logical_calls() -> None:
    day = [call(T0 + timedelta(minutes=9 * i), seconds=20) for i in range(150)]  # 150 in 22.5 h
    alerts = [a for a in run(SubscriberDetector(RULES), day)[0] if a.rule is Rule.TOTAL_CALLS]
    assert [(a.severity, a.observed, a.window_start_ms) for a in alerts] == [(Severity.WARNING, 150, ms(T0))]
    assert not [a for a in run(SubscriberDetector(RULES), day[:149])[0] if a.rule is Rule.TOTAL_CALLS]


def test_a_schedule_keeps_a_rule_quiet_outside_its_hours() -> None:
    """VELOCITY active 08:00-18:00 Monday to Friday in the subscriber's zone (Paris): a flood at
    15:00 Paris alerts, the same at 03:00 does not, nor on a Sunday afternoon."""
    schedule = '    active_hours: "08:00-18:00"\n    active_days: [MON, TUE, WED, THU, FRI]\n'
    velocity_rule = "  VELOCITY:\n    window: 60 s\n"
    text = DEFAULT_RULES.read_text().replace(velocity_rule, velocity_rule + schedule)
    rules = parse_rules(text)

    def flood(at: datetime) -> list[CallEvent]:
        return [call(at + timedelta(seconds=2 * i), seconds=1) for i in range(12)]

    def velocity(events: list[CallEvent]) -> list:
        return [a for a in run(SubscriberDetector(rules), events)[0] if a.rule is Rule.VELOCITY]

    assert len(velocity(flood(T0))) == 1  # Wednesday 15:00 in Paris
    assert velocity(flood(datetime(2026, 11, 4, 2, 0, tzinfo=UTC))) == []  # 03:00
    assert velocity(flood(datetime(2026, 11, 8, 14, 0, tzinfo=UTC))) == []  # Sunday
    with pytest.raises(RulesError, match=r"rules.VELOCITY.active_days: expected a list of MON..SUN"):
        parse_rules(text.replace("[MON, TUE, WED, THU, FRI]", "[WEEKDAYS]"))


def test_a_newcomer_calling_abroad_at_volume_by_its_activation_date() -> None:
    from domain.fraud_rules import SubscriberReference, with_subscriber_classes

    rules = with_subscriber_classes(RULES, SubscriberReference({}, {"sub-new": ms(T0 - timedelta(days=2))}))
    abroad = [call(T0 + timedelta(minutes=20 * i), subscriber="sub-new", remote="+2348031234567",
                   remote_country="NG") for i in range(10)]
    alerts = [a for a in run(SubscriberDetector(rules), abroad)[0] if a.rule is Rule.NEWCOMER]
    assert [(a.severity, a.observed, a.window_start_ms) for a in alerts] == [(Severity.WARNING, 10, ms(T0))]
    # Without an activation date, or past its first 7 days: never a newcomer.
    unknown = [dataclasses.replace(c, subscriber_id="sub-old") for c in abroad]
    assert not [a for a in run(SubscriberDetector(rules), unknown)[0] if a.rule is Rule.NEWCOMER]
    later = [dataclasses.replace(c, start_ms=c.start_ms + 6 * 86_400_000, end_ms=(c.end_ms or 0) + 6 * 86_400_000)
             for c in abroad]
    assert not [a for a in run(SubscriberDetector(rules), later)[0] if a.rule is Rule.NEWCOMER]


def _busiest_by_definition(calls, instants):
    """CONCURRENT_CALLS' count by its definition: at each instant, every call open then."""
    best: list = []
    for at in sorted(instants):
        overlapping: dict = {}
        for start, end, call_id, record_id, logical in sorted(calls):
            if start <= at < end:
                overlapping.setdefault(logical, (start, call_id, record_id, 1, ""))
        if len(overlapping) > len(best):
            best = list(overlapping.values())
    return best


def test_the_busiest_overlap_sweep_agrees_with_the_definition() -> None:
    rng = random.Random(5)
    for _ in range(300):
        calls = []
        for n in range(rng.randint(0, 60)):
            start = rng.randint(0, 3_600_000)
            calls.append((start, start + rng.choice([0, 1, rng.randint(1, 900_000)]), f"c{n}", f"c{n}:STOP",
                          f"l{rng.randint(0, 40)}"))  # legs of one conference share a logical call
        instants = {call[0] for call in rng.sample(calls, min(len(calls), rng.randint(0, 20)))}
        instants |= {rng.randint(0, 3_600_000) for _ in range(rng.randint(0, 3))}
        assert busiest_overlap(calls, instants) == _busiest_by_definition(calls, instants)
