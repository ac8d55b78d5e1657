"""Rating plans: what an operator sells, and the exact price of one call leg under them.

The model (docs/tariffs.md has the file format and a worked example):

- a *rate deck* prices destinations: per prefix (longest match) one rate per time band, or one
  for every band (`*`); a rate has a connect fee, steps (from a second of the call on, whole
  increments of so many seconds at a per-minute rate: CGRateS' GroupIntervalStart), and an
  optional minimum charge and maximum cost per call;
- a *plan* has a time zone and versions; a version names its deck and carries the currency,
  the tax rate, the rounding (method and decimals), the holidays and the time bands (the first
  band whose days and hours hold an instant is in force; the last band holds every instant);
- plans and decks have versions by `valid_from`; a call is rated by the plan version and the
  deck version in force at its start (event time), so a replay and the stream agree;
- subscribers are assigned plans from a date; anyone else has the default plan.

Charging: increments are laid from the answer on; each is charged whole at the band in force
at its start (on the wall clock of the plan's time zone) and at the step in force at its
start (in seconds of the call). So a call crossing from peak into off-peak is split at the
band boundary, and a stepped rate's later steps apply whatever the band. The amount is the
connect fee (of the band at the answer) plus the increments, raised to the minimum charge,
capped at the maximum cost, then rounded once by the plan's rule; the tax is the rounded
amount times the tax rate, rounded by the same rule. An answered leg pays its connect fee
(and minimum charge) even with no talk time; an unanswered leg costs nothing.

Plain Python, Decimal throughout, no I/O: domain/tariff_files.py reads the files.
"""

from __future__ import annotations

import enum
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SIXTY = Decimal(60)
ALL_BANDS = "*"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY = "holiday"


class Rounding(enum.StrEnum):
    HALF_UP = "half_up"
    UP = "up"
    DOWN = "down"

    def apply(self, value: Decimal, decimals: int) -> Decimal:
        """`value` (exact) to `decimals` places."""
        return value.quantize(Decimal(1).scaleb(-decimals), rounding=self._mode)

    def divide(self, numerator: Decimal, divisor: int, decimals: int) -> Decimal:
        """`numerator / divisor` to `decimals` places, rounded once from the exact quotient (as
        Java's BigDecimal.divide(divisor, decimals, mode) does)."""
        sign, digits, exponent = numerator.as_tuple()
        whole = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
        scale = decimals + int(exponent)  # numerator = whole * 10**exponent
        top, bottom = (whole * 10 ** scale, divisor) if scale >= 0 else (whole, divisor * 10 ** -scale)
        quotient, remainder = divmod(top, bottom)
        if remainder and (self is Rounding.UP or (self is Rounding.HALF_UP and 2 * remainder >= bottom)):
            quotient += 1
        return Decimal(quotient).scaleb(-decimals)

    @property
    def _mode(self) -> str:
        return {Rounding.HALF_UP: ROUND_HALF_UP, Rounding.UP: ROUND_UP, Rounding.DOWN: ROUND_DOWN}[self]


class PlanRatingError(enum.StrEnum):
    UNRATED_DESTINATION = "UNRATED_DESTINATION"  # no prefix of the deck matches the called number
    NO_PLAN_IN_FORCE = "NO_PLAN_IN_FORCE"  # the call starts before its plan's first version


@dataclass(frozen=True)
class Step:
    """From `from_s` seconds into the call on: whole increments of `increment_s` seconds."""

    from_s: int
    increment_s: int
    rate_per_minute: Decimal


@dataclass(frozen=True)
class Rate:
    prefix: str
    destination: str
    band: str  # a band's name, or ALL_BANDS
    connect_fee: Decimal
    steps: tuple[Step, ...]  # the first from 0, then rising
    min_charge: Decimal | None = None
    max_cost: Decimal | None = None

    def step_at(self, call_second: int) -> tuple[Step, int | None]:
        """The step in force `call_second` into the call, and where the next one starts."""
        index = bisect_right([s.from_s for s in self.steps], call_second) - 1
        following = self.steps[index + 1].from_s if index + 1 < len(self.steps) else None
        return self.steps[index], following


def free_service_rate(region: str | None) -> Rate:
    """A service number no entry prices (emergency, 116xxx, voicemail, ...): free."""
    return Rate(f"{region or ''}:", "service number (free)", ALL_BANDS, Decimal(0), (Step(0, 1, Decimal(0)),))


@dataclass(frozen=True)
class Deck:
    """One version of a rate deck: rates by prefix, then band.

    An E.164 number matches digit prefixes ("44", "447"); a service number (kept as dialled,
    without "+") matches entries of its caller's country, `CC:prefix` ("GB:118"); none
    matching, a service number is free and an E.164 number is unrated.
    """

    name: str
    valid_from: date
    rates: Mapping[str, Mapping[str, Rate]]  # prefix → band (or ALL_BANDS) → rate

    def prefix_of(self, number: str, region: str | None = None) -> str | None:
        service = not number.startswith("+")
        digits = number.lstrip("+")
        key = f"{region or ''}:" if service else ""
        for length in range(len(digits), 0, -1):
            if key + digits[:length] in self.rates:
                return key + digits[:length]
        return None

    def rate(self, prefix: str, band: str) -> Rate:
        """The prefix's rate in `band` (tariff_files checks every band is covered)."""
        by_band = self.rates[prefix]
        return by_band.get(band) or by_band[ALL_BANDS]


@dataclass(frozen=True)
class Band:
    """A time band: on `days` (weekday names, HOLIDAY; empty: every day) from `start` to `end`
    (minutes of the day, end exclusive; 0 and 1440 for the whole day)."""

    name: str
    days: frozenset[str] = frozenset()
    start: int = 0
    end: int = 24 * 60

    def holds(self, day_kinds: frozenset[str], minute: int) -> bool:
        return (not self.days or bool(self.days & day_kinds)) and self.start <= minute < self.end


@dataclass(frozen=True)
class PlanVersion:
    plan: str
    valid_from: date
    time_zone: ZoneInfo
    deck: str
    currency: str
    tax_rate: Decimal
    rounding: Rounding
    decimals: int
    bands: tuple[Band, ...]  # the first that holds an instant is in force; the last holds every one
    holidays: frozenset[date] = frozenset()

    def band_at(self, instant: datetime) -> Band:
        """The band in force at `instant`: its local day is its weekday, and HOLIDAY too when
        listed; the first band holding that day and minute wins."""
        local = instant.astimezone(self.time_zone)
        kinds = frozenset({WEEKDAYS[local.weekday()], *((HOLIDAY,) if local.date() in self.holidays else ())})
        minute = local.hour * 60 + local.minute
        return next(band for band in self.bands if band.holds(kinds, minute))

    def next_change(self, instant: datetime) -> datetime:
        """The first instant after `instant` where the band may change: a band's start or end,
        or a midnight, on the wall clock of the plan's time zone."""
        local = instant.astimezone(self.time_zone)
        minutes = {0, *(b.start for b in self.bands), *(b.end % 1440 for b in self.bands)}
        # The earliest, not the first in local order: a wall-clock time in a DST gap maps to an
        # instant out of that order (to the time before the gap's offset, as java.time does).
        return min(candidate for day in (local.date(), local.date() + timedelta(days=1)) for minute in minutes
                   if (candidate := datetime.combine(day, time(minute // 60, minute % 60), self.time_zone)
                       .astimezone(UTC)) > instant)


def start_of(day: date, zone: ZoneInfo) -> datetime:
    """A `valid_from` date's first instant: midnight in the plan's time zone."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def in_force(versions: Sequence[tuple[datetime, object]], instant: datetime) -> int | None:
    """The index of the last version whose start is at or before `instant`."""
    index = bisect_right([start for start, _ in versions], instant) - 1
    return index if index >= 0 else None


@dataclass(frozen=True)
class RatingBook:
    """Every plan, deck and assignment, checked together (tariff_files.parse_book)."""

    plans: Mapping[str, tuple[PlanVersion, ...]]  # by valid_from, rising
    decks: Mapping[str, tuple[Deck, ...]]  # by valid_from, rising
    assignments: Mapping[str, tuple[tuple[date, str], ...]]  # subscriber → (valid_from, plan), rising
    default_plan: str

    def plan_for(self, subscriber_id: str, at: datetime) -> tuple[str, bool]:
        """The subscriber's plan at `at`, and whether it was assigned (else the default)."""
        rows = self.assignments.get(subscriber_id, ())
        starts = [(start_of(day, self.plans[plan][0].time_zone), plan) for day, plan in rows]
        index = in_force(starts, at)
        return (rows[index][1], True) if index is not None else (self.default_plan, False)

    def version(self, plan: str, at: datetime) -> PlanVersion | None:
        versions = self.plans[plan]
        index = in_force([(start_of(v.valid_from, v.time_zone), v) for v in versions], at)
        return versions[index] if index is not None else None

    def deck(self, version: PlanVersion, at: datetime) -> Deck | None:
        decks = self.decks[version.deck]
        index = in_force([(start_of(d.valid_from, version.time_zone), d) for d in decks], at)
        return decks[index] if index is not None else None


@dataclass(frozen=True)
class PlanRating:
    """The price of one call leg, what priced it, or why it has no price."""

    plan: str
    assigned: bool  # False: the subscriber has no assignment in force, the default plan rated
    currency: str
    amount: Decimal
    tax: Decimal
    billable_seconds: int = 0
    plan_version: date | None = None
    deck_version: date | None = None
    bands: tuple[str, ...] = ()  # the bands charged, in call order
    prefix: str | None = None
    destination: str | None = None
    error: PlanRatingError | None = None


def instant(epoch_ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=epoch_ms)


def rate_leg(book: RatingBook, subscriber_id: str, called_number: str, calling_country: str | None, *,
             mobile_originated: bool, started_ms: int, answered_ms: int | None, talk_seconds: int) -> PlanRating:
    """Rates one final call leg of `subscriber_id` (the charged party) under its plan.

    An MT leg costs its subscriber nothing; an MO leg is priced by the longest prefix of the
    called number in the deck in force, from the answer (`answered_ms`, epoch milliseconds)
    for `talk_seconds`; unanswered (`answered_ms` None) it costs nothing. A service number no
    entry prices is free, its talk billed in one-second increments at 0 (as any priced call's).
    """
    started = instant(started_ms)
    plan, assigned = book.plan_for(subscriber_id, started)
    version = book.version(plan, started)
    currency = version.currency if version else book.plans[plan][0].currency
    zero = Decimal(0)
    if version is None:
        return PlanRating(plan, assigned, currency, zero, zero, error=PlanRatingError.NO_PLAN_IN_FORCE)
    deck = book.deck(version, started)
    if deck is None:
        return PlanRating(plan, assigned, currency, zero, zero, plan_version=version.valid_from,
                          error=PlanRatingError.NO_PLAN_IN_FORCE)
    zero = version.rounding.apply(zero, version.decimals)
    unpriced = PlanRating(plan, assigned, currency, zero, zero, plan_version=version.valid_from,
                          deck_version=deck.valid_from)
    if not mobile_originated:
        return unpriced
    prefix = deck.prefix_of(called_number, calling_country)
    if prefix is None and called_number.startswith("+"):
        return replace(unpriced, error=PlanRatingError.UNRATED_DESTINATION)
    free = free_service_rate(calling_country) if prefix is None else None

    def rate_in(band: str) -> Rate:
        return free or deck.rate(prefix or "", band)

    answered = instant(answered_ms) if answered_ms is not None else None
    opening_band = version.band_at(answered or started).name
    opening = rate_in(opening_band)
    if answered is None:
        return replace(unpriced, prefix=opening.prefix, destination=opening.destination, bands=(opening_band,))
    billable, minute_seconds, bands = _increments(version, rate_in, answered, talk_seconds)
    # Per-minute rates times seconds: the exact amount is this over 60, rounded once.
    total = opening.connect_fee * SIXTY + minute_seconds
    if opening.min_charge is not None:
        total = max(total, opening.min_charge * SIXTY)
    if opening.max_cost is not None:
        total = min(total, opening.max_cost * SIXTY)
    amount = version.rounding.divide(total, 60, version.decimals)
    tax = version.rounding.apply(amount * version.tax_rate, version.decimals)
    return replace(unpriced, amount=amount, tax=tax, billable_seconds=billable, bands=bands, prefix=opening.prefix,
                   destination=opening.destination)


def _increments(version: PlanVersion, rate_in: Callable[[str], Rate], answered: datetime,
                talk_seconds: int) -> tuple[int, Decimal, tuple[str, ...]]:
    """Billable seconds, the sum of per-minute rate times seconds charged, and the bands
    charged: segment by segment (one band, one step), each increment whole at the band and
    the step in force at its start."""
    second, charged, bands = 0, Decimal(0), list[str]()
    while second < talk_seconds:
        at = answered + timedelta(seconds=second)
        band = version.band_at(at)
        step, next_step = rate_in(band.name).step_at(second)
        change = version.next_change(at) - answered
        # An increment starting at or after the change is in the new band: its first whole second.
        boundary = -(-(change // timedelta(microseconds=1)) // 1_000_000)
        end = min(talk_seconds, boundary, talk_seconds if next_step is None else next_step)
        seconds = max(1, -(-(end - second) // step.increment_s)) * step.increment_s
        charged += step.rate_per_minute * seconds
        second += seconds
        if not bands or bands[-1] != band.name:
            bands.append(band.name)
    return second, charged, tuple(bands)
