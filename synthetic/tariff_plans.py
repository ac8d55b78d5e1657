"""Seeded random tariff folders (domain/tariff_files.py's format) and calls to rate under them:
for the agreement test of the two ratings (Python reference, JVM RATE_LEG) and for mutations
of valid folders that both must refuse alike.

Each deck has a band shape (its band names); every plan version using a deck has bands of
those names, in random windows, so every generated folder checks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Adelaide"]
PREFIXES = ["1", "1876", "44", "447", "4420", "33", "336", "91", "GB:118", "US:411"]
SHAPES = [["all"], ["peak", "off_peak"], ["day", "evening", "weekend"], ["holiday", "business", "rest"]]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DECK_HEADER = "prefix,destination,band,from_s,increment_s,rate_per_minute,connect_fee,min_charge,max_cost"
FIRST_DAY = date(2026, 1, 1)


@dataclass(frozen=True)
class Call:
    subscriber_id: str
    called_number: str
    calling_country: str
    mobile_originated: bool
    started_ms: int
    answered_ms: int | None
    talk_seconds: int


def _money(rng: random.Random, top: float, places: int) -> str:
    return f"{rng.uniform(0, top):.{places}f}"


def _day(rng: random.Random, span_days: int = 365) -> date:
    return FIRST_DAY + timedelta(days=rng.randrange(span_days))


def _deck_rows(rng: random.Random, shape: list[str]) -> list[str]:
    rows = []
    for prefix in rng.sample(PREFIXES, rng.randint(3, len(PREFIXES))):
        destination = f"destination {prefix}"
        for band in (["*"] if rng.random() < 0.4 else shape):
            steps = sorted({0, *rng.sample([1, 30, 60, 61, 120, 600], rng.randint(0, 2))})
            minimum = _money(rng, 0.5, 2) if rng.random() < 0.3 else ""
            maximum = f"{float(minimum or 0) + rng.uniform(0.5, 5):.3f}" if rng.random() < 0.3 else ""
            for index, from_s in enumerate(steps):
                extras = [_money(rng, 0.2, 4) if rng.random() < 0.5 else "0", minimum, maximum] if index == 0 \
                    else ["", "", ""]
                rows.append(",".join([prefix, destination, band, str(from_s), str(rng.choice([1, 6, 30, 60])),
                                      _money(rng, 0.9, rng.choice([2, 4, 6])), *extras]))
    return rows


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _bands(rng: random.Random, shape: list[str]) -> str:
    lines = []
    for name in shape[:-1]:
        days = rng.sample(DAYS + ["holiday"], rng.randint(1, 4))
        start = rng.randrange(0, 23 * 60, 30)
        end = rng.randrange(start + 30, 24 * 60 + 1, 30)
        lines.append(f"          - {{name: {name}, days: [{', '.join(days)}], from: \"{_clock(start)}\","
                     f" to: \"{_clock(end)}\"}}")
    lines.append(f"          - {{name: {shape[-1]}}}")
    return "\n".join(lines)


def folder(seed: int) -> dict[str, str]:
    """A tariff folder's texts, by relative path."""
    rng = random.Random(seed)
    shapes = {f"deck{n}": rng.choice(SHAPES) for n in range(rng.randint(1, 3))}
    files: dict[str, str] = {}
    for deck, shape in shapes.items():
        days = sorted({date(2025, 12, 1), *(_day(rng) for _ in range(rng.randint(0, 2)))})
        for day in days:
            files[f"decks/{deck}/{day.isoformat()}.csv"] = "\n".join([DECK_HEADER, *_deck_rows(rng, shape)]) + "\n"
    plans = []
    for n in range(rng.randint(1, 3)):
        versions = []
        for day in sorted({date(2025, 12, 1), *(_day(rng) for _ in range(rng.randint(0, 2)))}):
            deck = rng.choice(list(shapes))
            holidays = ", ".join(_day(rng).isoformat() for _ in range(rng.randint(0, 3)))
            versions.append(f"      - valid_from: {day.isoformat()}\n        deck: {deck}\n"
                            f"        currency: {rng.choice(['EUR', 'GBP', 'USD'])}\n"
                            f"        tax_rate: \"{rng.choice(['0', '0.2', '0.075', '0.19'])}\"\n"
                            f"        rounding: {rng.choice(['half_up', 'up', 'down'])}\n"
                            f"        decimals: {rng.randint(0, 6)}\n        holidays: [{holidays}]\n"
                            f"        bands:\n{_bands(rng, shapes[deck])}")
        plans.append(f"  plan{n}:\n    time_zone: {rng.choice(ZONES)}\n    versions:\n" + "\n".join(versions))
    files["plans.yaml"] = "default_plan: plan0\nplans:\n" + "\n".join(plans) + "\n"
    rows = [f"sub{n},plan{rng.randrange(len(plans))},{_day(rng).isoformat()}" for n in range(rng.randint(0, 8))]
    files["assignments.csv"] = "\n".join(["subscriber_id,plan,valid_from", *sorted(set(rows))]) + "\n"
    return files


def _ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def calls(seed: int, count: int) -> list[Call]:
    """Calls across the plans' versions, time zones and DST changes, of assigned subscribers
    and others, to priced, free and unpriced numbers."""
    rng = random.Random(seed)
    first = datetime(2025, 11, 20, tzinfo=UTC)
    out = []
    for _ in range(count):
        prefix = rng.choice(PREFIXES)
        if ":" in prefix:
            country, digits = prefix.split(":")
            number = digits + "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 3)))
        else:
            country = rng.choice(["GB", "US"])
            number = "+" + (prefix if rng.random() < 0.9 else "999") + "".join(
                rng.choice("0123456789") for _ in range(rng.randint(0, 8)))
        started = first + timedelta(seconds=rng.randrange(420 * 86_400), milliseconds=rng.randrange(1000))
        if rng.random() < 0.4:  # just before a half hour (every band edge, in each zone): calls that cross one
            started = started.replace(minute=rng.choice([29, 59]), second=rng.randrange(60))
        answered = started + timedelta(milliseconds=rng.randrange(30_000)) if rng.random() < 0.8 else None
        talk = rng.choice([0, 1, 59, 60, 61, rng.randrange(4000), rng.randrange(40_000), rng.randrange(40_000)])
        out.append(Call(f"sub{rng.randrange(12)}", number, country, rng.random() < 0.85, _ms(started),
                        _ms(answered) if answered else None, talk if answered else 0))
    return out
