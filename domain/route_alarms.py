"""Route alarms: a route's call quality in one window judged against the route's own baseline.

A route is a destination country, a trunk and a direction (sql/views/quality/). Each window
(`CdrRouteAlarms.window.minutes`, 15 by default) of a route brings its counts; the baseline is
an exponentially weighted mean of the route's earlier windows, kept as weighted sums (answered
and attempts apart, not a mean of ratios), so a window weighs by its calls: a quiet night
hour moves the baseline little, a busy hour much.

Why an EWMA and not "the same hour over the previous 7 days": it needs no week of history
before the first alarm can be trusted, it follows a route whose traffic grows, and its state is
a few numbers per route. What it does not see is a daily cycle: a route whose ASR is low every
night would alarm every night if its nights differed by more than the limits below — the
limits are absolute (percentage points), and quality varies little by hour.

A figure alarms when all of these hold:
- the window has at least `min-attempts` legs that the figure counts (attempts for ASR and
  NER, legs that rang for PDD, legs with a MOS for poor MOS): a quiet route never alarms;
- the baseline rests on at least `baseline.windows` earlier windows;
- the figure moved past its limit: ASR or NER dropped by at least `asr.drop` / `ner.drop`
  (absolute), the share of poor MOS (< 3.5) rose by `poor-mos.rise`, mean PDD reached
  `pdd.rise` times the baseline's;
- for the three shares, the move is also unlikely to be chance: at least `significance`
  standard errors apart, the window and the baseline taken as two binomial samples (the
  baseline's size: its mean legs per window times the windows an EWMA of that weight spans,
  (2 - weight) / weight, or fewer while it is young).
An alarm is CRITICAL when the figure moved twice its limit, else WARNING. A window is learned
into the baseline after it has been judged (also when it alarmed: a lasting change becomes the
new normal in about 1/weight windows).
"""

from __future__ import annotations

import enum
import hashlib
import json
import math
from dataclasses import asdict, dataclass

from domain.fraud_notice import SUBJECT_MAX, Notice, utc_time


class RouteRule(enum.StrEnum):
    ASR_DROP = "ROUTE_ASR_DROP"
    NER_DROP = "ROUTE_NER_DROP"
    PDD_RISE = "ROUTE_PDD_RISE"
    POOR_MOS_RISE = "ROUTE_POOR_MOS_RISE"


@dataclass(frozen=True)
class Route:
    destination_country: str
    trunk: str
    direction: str

    @property
    def label(self) -> str:
        """How alarms name the route (their subscriber_id column): `DE/carrier-b/outbound`."""
        return f"{self.destination_country}/{self.trunk}/{self.direction}"


@dataclass(frozen=True)
class RouteWindow:
    """One window of one route: counts over its final legs (sql/views/quality/30_route_alarm_windows.sql)."""

    route: Route
    start_ms: int
    end_ms: int
    attempts: int
    answered: int
    effective: int
    rang: int
    pdd_total_ms: int
    with_mos: int
    poor_mos: int


@dataclass(frozen=True)
class Baseline:
    """Exponentially weighted sums of a route's earlier windows (a window's own counts at first)."""

    windows: int = 0
    attempts: float = 0.0
    answered: float = 0.0
    effective: float = 0.0
    rang: float = 0.0
    pdd_total_ms: float = 0.0
    with_mos: float = 0.0
    poor_mos: float = 0.0

    def learned(self, window: RouteWindow, weight: float) -> Baseline:
        keep = 0.0 if self.windows == 0 else 1.0 - weight
        take = 1.0 if self.windows == 0 else weight
        return Baseline(self.windows + 1, *(keep * getattr(self, name) + take * getattr(window, name)
                                            for name in _SUMS))

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(text: str) -> Baseline:
        return Baseline(**json.loads(text))


_SUMS = ("attempts", "answered", "effective", "rang", "pdd_total_ms", "with_mos", "poor_mos")


@dataclass(frozen=True)
class AlarmLimits:
    """CdrRouteAlarms' keys (jobs/config.py declares them, with their defaults)."""

    min_attempts: int
    baseline_windows: int
    weight: float
    asr_drop: float
    ner_drop: float
    pdd_rise: float
    poor_mos_rise: float
    significance: float


@dataclass(frozen=True)
class RouteAlarm:
    alert_id: str
    route: Route
    rule: RouteRule
    severity: str  # WARNING or CRITICAL, as the fraud alerts'
    window_start_ms: int
    window_end_ms: int
    observed: float  # the window's figure (a share, or PDD in ms)
    baseline: float  # the baseline's
    threshold: float  # the level the figure passed
    legs: int  # the legs the figure counts in this window


def alarm_id(route: Route, rule: RouteRule, window_start_ms: int) -> str:
    """Stable across replays and restarts: a window's alarm is written once, whoever writes it."""
    return hashlib.sha256(f"{route.label}|{rule}|{window_start_ms}".encode()).hexdigest()[:32]


def judge(window: RouteWindow, baseline: Baseline, limits: AlarmLimits) -> list[RouteAlarm]:
    """The alarms this window raises against the baseline of the windows before it."""
    if baseline.windows < limits.baseline_windows:
        return []
    found: list[RouteAlarm] = []

    def add(rule: RouteRule, observed: float, base: float, threshold: float, legs: int, moved: float,
            limit: float) -> None:
        severity = "CRITICAL" if moved >= 2 * limit else "WARNING"
        found.append(RouteAlarm(alarm_id(window.route, rule, window.start_ms), window.route, rule, severity,
                                window.start_ms, window.end_ms, observed, base, threshold, legs))

    remembered = min(baseline.windows, (2 - limits.weight) / limits.weight)  # an EWMA's span, in windows
    for rule, part, base_part, limit in ((RouteRule.ASR_DROP, window.answered, baseline.answered, limits.asr_drop),
                                         (RouteRule.NER_DROP, window.effective, baseline.effective,
                                          limits.ner_drop)):
        if window.attempts < limits.min_attempts or baseline.attempts <= 0:
            continue
        now, base = part / window.attempts, base_part / baseline.attempts
        if base - now >= limit and _unlikely(base, now, window.attempts, baseline.attempts * remembered,
                                             limits.significance):
            add(rule, now, base, base - limit, window.attempts, base - now, limit)
    if window.with_mos >= limits.min_attempts and baseline.with_mos > 0:
        now, base = window.poor_mos / window.with_mos, baseline.poor_mos / baseline.with_mos
        if now - base >= limits.poor_mos_rise and _unlikely(base, now, window.with_mos,
                                                            baseline.with_mos * remembered, limits.significance):
            add(RouteRule.POOR_MOS_RISE, now, base, base + limits.poor_mos_rise, window.with_mos, now - base,
                limits.poor_mos_rise)
    if window.rang >= limits.min_attempts and baseline.rang > 0 and baseline.pdd_total_ms > 0:
        now, base = window.pdd_total_ms / window.rang, baseline.pdd_total_ms / baseline.rang
        if now >= base * limits.pdd_rise:
            add(RouteRule.PDD_RISE, now, base, base * limits.pdd_rise, window.rang, now / base - 1,
                limits.pdd_rise - 1)
    return found


def _unlikely(base: float, now: float, legs: int, base_legs: float, significance: float) -> bool:
    """Whether a share `now` over `legs` legs is `significance` standard errors from the
    baseline's `base` over `base_legs` (two proportions: the baseline is a sample too, small
    while young). A rate within 5 % of 0 or 1 counts as 5 % for the spread: there the normal
    approximation would call a handful of calls a certainty."""
    spread = min(max(base, 0.05), 0.95)
    error = math.sqrt(spread * (1 - spread) * (1 / legs + 1 / base_legs))
    return abs(now - base) / error >= significance


def notice(alarm: RouteAlarm, dashboard_url: str = "") -> Notice:
    """The SNS notice of a route alarm (fraud alerts' topic, a rule name of its own)."""
    shown = _ms if alarm.rule is RouteRule.PDD_RISE else _share
    subject = f"[{alarm.severity}] {alarm.rule.value} route {alarm.route.label}"
    lines = [f"Route alarm {alarm.severity}: {alarm.rule.value}",
             f"Route: destination {alarm.route.destination_country}, trunk {alarm.route.trunk}, "
             f"{alarm.route.direction}",
             f"Observed: {shown(alarm.observed)} over {alarm.legs} legs (baseline {shown(alarm.baseline)}, "
             f"limit {shown(alarm.threshold)})",
             f"Window: {utc_time(alarm.window_start_ms)} to {utc_time(alarm.window_end_ms)}"]
    if dashboard_url:
        lines.append(f"Dashboard: {dashboard_url.rstrip('/')}/#alert={alarm.alert_id}")
    lines.append(f"Alert id: {alarm.alert_id}")
    attributes = {"alert_id": alarm.alert_id, "rule": alarm.rule.value, "severity": alarm.severity,
                  "blocked": "false"}
    return Notice(subject[:SUBJECT_MAX], "\n".join(lines), attributes)


def _share(value: float) -> str:
    return f"{value:.1%}"


def _ms(value: float) -> str:
    return f"{value:,.0f} ms"
