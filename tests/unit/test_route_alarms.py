"""Route alarms judged against the route's own baseline: figures worked out by hand."""

from __future__ import annotations

import math

from domain.route_alarms import Baseline, Route, RouteRule, RouteWindow, alarm_id, judge, notice
from jobs.config import RouteAlarmConfig

ROUTE = Route("DE", "carrier-b", "outbound")
LIMITS = RouteAlarmConfig().limits  # the declared defaults
MINUTES_15 = 15 * 60_000


def window(n: int, attempts: int = 100, answered: int = 50, effective: int = 90, rang: int = 80,
           pdd_ms: int = 2_000, with_mos: int = 50, poor_mos: int = 5) -> RouteWindow:
    start = n * MINUTES_15
    return RouteWindow(ROUTE, start, start + MINUTES_15, attempts, answered, effective, rang, rang * pdd_ms,
                       with_mos, poor_mos)


def healthy_baseline(windows: int = 4) -> Baseline:
    baseline = Baseline()
    for n in range(windows):
        baseline = baseline.learned(window(n), LIMITS.weight)
    return baseline


def test_the_baseline_is_a_weighted_mean_of_sums_so_a_window_weighs_by_its_calls() -> None:
    first = Baseline().learned(window(0, attempts=100, answered=50), 0.1)
    assert (first.windows, first.attempts, first.answered) == (1, 100, 50)  # the first window as it is
    second = first.learned(window(1, attempts=10, answered=0), 0.1)
    assert math.isclose(second.attempts, 0.9 * 100 + 0.1 * 10)
    assert math.isclose(second.answered, 0.9 * 50)
    # ASR 45 / 91 = 0.4945: the quiet window moved it 0.55 points, a mean of ratios would have
    # moved it 5 (0.9 * 0.5 + 0.1 * 0).
    assert math.isclose(second.answered / second.attempts, 45 / 91)
    assert Baseline.from_json(second.to_json()) == second


def test_a_steady_route_raises_nothing() -> None:
    assert judge(window(4), healthy_baseline(), LIMITS) == []


def test_an_asr_and_ner_collapse_alarms_with_the_level_crossed() -> None:
    # 100 attempts, 20 answered (baseline 50 % over 4 windows of 100): a 30-point drop,
    # sqrt(0.25 * (1/100 + 1/400)) = 0.056, 5.4 standard errors; twice the 15-point limit:
    # CRITICAL. NER 60 % vs 90 %: 30 points (limit 10), sqrt(0.09 * 0.0125) = 0.034, 9 errors.
    alarms = {a.rule: a for a in judge(window(4, answered=20, effective=60), healthy_baseline(), LIMITS)}
    assert set(alarms) == {RouteRule.ASR_DROP, RouteRule.NER_DROP}
    asr = alarms[RouteRule.ASR_DROP]
    assert (asr.severity, asr.legs, asr.window_start_ms, asr.window_end_ms) == ("CRITICAL", 100, 4 * MINUTES_15,
                                                                                 5 * MINUTES_15)
    assert math.isclose(asr.observed, 0.2) and math.isclose(asr.baseline, 0.5)
    assert math.isclose(asr.threshold, 0.35)
    assert asr.alert_id == alarm_id(ROUTE, RouteRule.ASR_DROP, 4 * MINUTES_15)


def test_a_drop_past_the_limit_but_within_chance_does_not_alarm() -> None:
    # 30 attempts (the minimum), ASR 33 % vs 50 %: 17 points > 15, but
    # sqrt(0.25 * (1/30 + 1/400)) = 0.095: 1.8 standard errors < 4.
    assert judge(window(4, attempts=30, answered=10, effective=27), healthy_baseline(), LIMITS) == []


def test_a_rate_near_one_is_not_taken_for_a_certainty() -> None:
    # NER 96.7 % over 4 windows of 30; a window of 30 with 6 not effective (80 %): 16.7 points
    # > 10. A binomial spread at 96.7 % would make it 4.6 errors
    # (sqrt(0.0322 * (1/30 + 1/120)) = 0.0366); at the 95 % floor, 0.0445: 3.7 < 4.
    baseline = Baseline()
    for n in range(4):
        baseline = baseline.learned(window(n, attempts=30, answered=15, effective=29), LIMITS.weight)
    assert judge(window(4, attempts=30, answered=15, effective=24), baseline, LIMITS) == []


def test_a_quiet_route_is_never_judged() -> None:
    # 29 attempts, none answered: below the minimum, whatever the drop.
    assert judge(window(4, attempts=29, answered=0, effective=0, rang=0, with_mos=0, poor_mos=0),
                 healthy_baseline(), LIMITS) == []


def test_a_young_baseline_is_not_trusted() -> None:
    assert judge(window(3, answered=0), healthy_baseline(windows=3), LIMITS) == []


def test_pdd_and_poor_mos_rises() -> None:
    # PDD 3.2 s vs 2 s: 1.6x >= 1.5 (WARNING: moved 0.6 < twice the 0.5 limit). Poor MOS 20 of 50 =
    # 40 % vs 10 %: 30 points >= 15, sqrt(0.09 * (1/50 + 1/200)) = 0.047, 6.3 errors; 30 = twice
    # 15: CRITICAL.
    alarms = {a.rule: a for a in judge(window(4, pdd_ms=3_200, poor_mos=20), healthy_baseline(), LIMITS)}
    assert set(alarms) == {RouteRule.PDD_RISE, RouteRule.POOR_MOS_RISE}
    pdd = alarms[RouteRule.PDD_RISE]
    assert (pdd.severity, pdd.legs) == ("WARNING", 80)
    assert math.isclose(pdd.observed, 3_200) and math.isclose(pdd.threshold, 3_000)
    mos = alarms[RouteRule.POOR_MOS_RISE]
    assert (mos.severity, mos.legs) == ("CRITICAL", 50)
    assert math.isclose(mos.threshold, 0.25)
    # Under the limit: 1.45x.
    assert judge(window(4, pdd_ms=2_900), healthy_baseline(), LIMITS) == []


def test_a_lasting_change_becomes_the_baseline() -> None:
    baseline = healthy_baseline()
    raised = []
    for n in range(4, 40):
        degraded = window(n, answered=25)
        raised.append(bool(judge(degraded, baseline, LIMITS)))
        baseline = baseline.learned(degraded, LIMITS.weight)
    # Baseline 47.5 % after one degraded window, 45.3 % after two: 20 points, but
    # sqrt(0.248 * (1/100 + 1/600)) = 0.054, 3.8 standard errors < 4.
    assert raised[:3] == [True, True, False]
    assert not any(raised[2:])  # ASR 25 % is the route's normal now


def test_the_notice_names_the_route_figure_and_limit() -> None:
    [alarm] = [a for a in judge(window(4, answered=20), healthy_baseline(), LIMITS) if a.rule is RouteRule.ASR_DROP]
    sent = notice(alarm, "https://ops.example/")
    assert sent.subject == "[CRITICAL] ROUTE_ASR_DROP route DE/carrier-b/outbound"
    assert "Observed: 20.0% over 100 legs (baseline 50.0%, limit 35.0%)" in sent.message
    assert "Window: 1970-01-01 01:00:00 UTC to 1970-01-01 01:15:00 UTC" in sent.message
    assert f"https://ops.example/#alert={alarm.alert_id}" in sent.message
    assert sent.attributes["rule"] == "ROUTE_ASR_DROP"
