"""The rating plans' files, checked together into one RatingBook (domain/tariff_plans.py).

A tariff folder holds (docs/tariffs.md has a worked example):

    plans.yaml                   the plans, their versions and time bands; the default plan
    decks/<deck>/<valid_from>.csv  one file per version of a rate deck (valid_from: YYYY-MM-DD)
    assignments.csv              subscriber_id,plan,valid_from (optional)

A deck file has the header DECK_HEADER, one row per step of a rate; or the single-tariff
header of domain/rating.py (HEADER: one rate for every band, an initial and a subsequent
increment), so the old tariffs/default.csv is a deck as it is. Every problem is a TariffError
naming the file, the line and what is wrong; a set with any problem is refused whole.

The texts come in as {path relative to the folder: text}; reading them is the caller's I/O.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from domain.rating import E164_PREFIX, HEADER, SECONDS, SERVICE_PREFIX, TariffError, money_text, parse_tariffs
from domain.tariff_plans import (
    ALL_BANDS,
    HOLIDAY,
    WEEKDAYS,
    Band,
    Deck,
    PlanVersion,
    Rate,
    RatingBook,
    Rounding,
    Step,
)

PLANS_FILE = "plans.yaml"
ASSIGNMENTS_FILE = "assignments.csv"
DECK_FILE = re.compile(r"decks/(?P<deck>[A-Za-z0-9_-]+)/(?P<valid_from>[0-9]{4}-[0-9]{2}-[0-9]{2})\.csv")
DECK_HEADER = ["prefix", "destination", "band", "from_s", "increment_s", "rate_per_minute", "connect_fee",
               "min_charge", "max_cost"]
ASSIGNMENT_HEADER = ["subscriber_id", "plan", "valid_from"]
ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")
CLOCK = re.compile(r"(?P<hour>[01][0-9]|2[0-4]):(?P<minute>[0-5][0-9])")  # [0-9]: \d takes any script's digits


def parse_book(files: Mapping[str, str]) -> RatingBook:
    """Plans, decks and assignments from their texts, checked each and together."""
    if PLANS_FILE not in files:
        raise TariffError(f"{PLANS_FILE}: missing (the folder needs one)")
    decks: dict[str, list[Deck]] = defaultdict(list)
    deck_lines: dict[tuple[str, date], dict[str, int]] = {}
    for path in sorted(files):
        found = DECK_FILE.fullmatch(path)
        if found:
            day = _date(found["valid_from"], path, 0)
            deck, lines = parse_deck(files[path], path, found["deck"], day)
            decks[found["deck"]].append(deck)
            deck_lines[(deck.name, day)] = lines
        elif path not in (PLANS_FILE, ASSIGNMENTS_FILE):
            raise TariffError(f"{path}: not a tariff file (plans.yaml, assignments.csv, "
                              "decks/<deck>/<YYYY-MM-DD>.csv)")
    default_plan, plans = parse_plans(files[PLANS_FILE], set(decks))
    assignments = parse_assignments(files.get(ASSIGNMENTS_FILE, ""), set(plans)) if ASSIGNMENTS_FILE in files \
        else {}
    for name, versions in decks.items():
        using = [v for vs in plans.values() for v in vs if v.deck == name]
        for deck in versions:
            _check_bands(deck, using, deck_lines[(name, deck.valid_from)])
    return RatingBook(plans, {name: tuple(versions) for name, versions in decks.items()},
                      assignments, default_plan)


def _check_bands(deck: Deck, using: list[PlanVersion], lines: Mapping[str, int]) -> None:
    """Every band a deck names is one of a plan using it; every plan using it has a rate for
    each of its bands at every prefix (a band-specific rate, or one for every band)."""
    source = f"decks/{deck.name}/{deck.valid_from.isoformat()}.csv"
    known = {band.name for version in using for band in version.bands}
    for prefix, by_band in deck.rates.items():
        for band in by_band:
            if band != ALL_BANDS and using and band not in known:  # a deck no plan uses yet is checked when one does
                raise TariffError(f"{source}, line {lines[prefix]}: band {band!r} is no band of a plan using deck "
                                  f"{deck.name!r} ({', '.join(sorted(known))})")
        if ALL_BANDS in by_band:
            continue
        for version in using:
            missing = [band.name for band in version.bands if band.name not in by_band]
            if missing:
                raise TariffError(f"{source}, line {lines[prefix]}: prefix {prefix!r} has no rate for band(s) "
                                  f"{', '.join(missing)} of plan {version.plan!r} (version "
                                  f"{version.valid_from.isoformat()}); give them, or one for every band ({ALL_BANDS})")


@dataclass
class _Node:
    """A YAML value with the line it starts on (1-based), so a problem can name its line."""

    value: Any
    line: int


def _located(node: yaml.Node) -> _Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return _Node({str(key.value): _located(value) for key, value in node.value}, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_located(item) for item in node.value], line)
    return _Node(str(node.value), line)  # every scalar as written: no YAML 1.1 guessing ("19:00" is 1140 there)


def _mapping(node: _Node, what: str, source: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
             ) -> dict[str, _Node]:
    if not isinstance(node.value, dict):
        raise TariffError(f"{source}, line {node.line}: {what} must be a mapping")
    unknown = sorted(set(node.value) - set(required) - set(optional))
    if unknown:
        raise TariffError(f"{source}, line {node.line}: {what} has unknown key(s) {', '.join(unknown)}")
    missing = [key for key in required if key not in node.value]
    if missing:
        raise TariffError(f"{source}, line {node.line}: {what} needs {', '.join(missing)}")
    return dict(node.value)


def _list(node: _Node, what: str, source: str) -> list[_Node]:
    if not isinstance(node.value, list):
        raise TariffError(f"{source}, line {node.line}: {what} must be a list")
    return list(node.value)


def _text(node: _Node, what: str, source: str) -> str:
    if not isinstance(node.value, str) or not node.value.strip():
        raise TariffError(f"{source}, line {node.line}: {what} must be a non-empty value")
    return node.value.strip()


def parse_plans(text: str, decks: set[str]) -> tuple[str, dict[str, tuple[PlanVersion, ...]]]:
    """plans.yaml: the default plan's name and every plan's versions."""
    source = PLANS_FILE
    try:
        root_node = yaml.compose(text)
    except yaml.YAMLError as error:
        raise TariffError(f"{source}: not YAML: {error}") from error
    if root_node is None:
        raise TariffError(f"{source}, line 1: empty")
    root = _mapping(_located(root_node), "the file", source, ("default_plan", "plans"))
    plans: dict[str, tuple[PlanVersion, ...]] = {}
    if not isinstance(root["plans"].value, dict) or not root["plans"].value:
        raise TariffError(f"{source}, line {root['plans'].line}: plans must map each plan's name to the plan")
    for name, plan_node in root["plans"].value.items():
        plan = _mapping(plan_node, f"plan {name!r}", source, ("time_zone", "versions"))
        zone_name = _text(plan["time_zone"], "time_zone", source)
        try:
            if not ZONE.fullmatch(zone_name):  # a region's name, not an offset ("+01:00")
                raise ValueError(zone_name)
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise TariffError(f"{source}, line {plan['time_zone'].line}: time_zone {plan['time_zone'].value!r} "
                              "is no IANA time zone (Europe/London, UTC)") from None
        versions = [_version(name, zone, node, decks, source) for node in _list(plan["versions"], "versions", source)]
        if not versions:
            raise TariffError(f"{source}, line {plan['versions'].line}: plan {name!r} has no version")
        for earlier, later in zip(versions, versions[1:], strict=False):
            if later.valid_from <= earlier.valid_from:
                raise TariffError(f"{source}, line {plan['versions'].line}: plan {name!r}'s versions must be in "
                                  f"rising valid_from order ({later.valid_from} follows {earlier.valid_from})")
        plans[name] = tuple(versions)
    default = _text(root["default_plan"], "default_plan", source)
    if default not in plans:
        raise TariffError(f"{source}, line {root['default_plan'].line}: default_plan {default!r} is no plan")
    return default, plans


def _version(plan: str, zone: ZoneInfo, node: _Node, decks: set[str], source: str) -> PlanVersion:
    what = f"a version of plan {plan!r}"
    fields = _mapping(node, what, source, ("valid_from", "deck", "currency", "tax_rate", "rounding", "decimals"),
                      ("holidays", "bands"))
    deck = _text(fields["deck"], "deck", source)
    if deck not in decks:
        raise TariffError(f"{source}, line {fields['deck'].line}: deck {deck!r} has no file "
                          f"decks/{deck}/<YYYY-MM-DD>.csv")
    currency = _text(fields["currency"], "currency", source)
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise TariffError(f"{source}, line {fields['currency'].line}: currency {currency!r} is no ISO 4217 code")
    tax_rate = _number(_text(fields["tax_rate"], "tax_rate", source), "tax_rate", source, fields["tax_rate"].line)
    if tax_rate >= 1:
        raise TariffError(f"{source}, line {fields['tax_rate'].line}: tax_rate is a fraction below 1 (0.2 for 20 %)")
    rounding_name = _text(fields["rounding"], "rounding", source)  # its own error: TariffError is a ValueError
    try:
        rounding = Rounding(rounding_name)
    except ValueError:
        raise TariffError(f"{source}, line {fields['rounding'].line}: rounding must be "
                          f"{', '.join(r.value for r in Rounding)}") from None
    decimals = _text(fields["decimals"], "decimals", source)
    if decimals not in {str(n) for n in range(7)}:
        raise TariffError(f"{source}, line {fields['decimals'].line}: decimals must be 0 to 6")
    holidays = frozenset(_date(_text(day, "a holiday", source), source, day.line)
                         for day in _list(fields.get("holidays", _Node([], node.line)), "holidays", source))
    bands = _bands(fields["bands"], source) if "bands" in fields else (Band("all"),)
    return PlanVersion(plan, _date(_text(fields["valid_from"], "valid_from", source), source,
                                   fields["valid_from"].line),
                       zone, deck, currency, tax_rate, rounding, int(decimals), bands, holidays)


def _bands(node: _Node, source: str) -> tuple[Band, ...]:
    bands: list[Band] = []
    for item in _list(node, "bands", source):
        fields = _mapping(item, "a band", source, ("name",), ("days", "from", "to"))
        name = _text(fields["name"], "a band's name", source)
        if name == ALL_BANDS or any(band.name == name for band in bands):
            raise TariffError(f"{source}, line {item.line}: band name {name!r} is taken")
        days = frozenset(_text(day, "a day", source).lower() for day in _list(fields.get("days", _Node([], 0)),
                                                                               "days", source))
        unknown = sorted(days - {*WEEKDAYS, HOLIDAY})
        if unknown:
            raise TariffError(f"{source}, line {item.line}: band {name!r}: unknown day(s) {', '.join(unknown)} "
                              f"(mon .. sun, {HOLIDAY})")
        start = _clock(fields["from"], source) if "from" in fields else 0
        end = _clock(fields["to"], source) if "to" in fields else 24 * 60
        if not start < end:
            raise TariffError(f"{source}, line {item.line}: band {name!r} must end after it starts (a band over "
                              "midnight is two bands)")
        bands.append(Band(name, days, start, end))
    if not bands or bands[-1].days or (bands[-1].start, bands[-1].end) != (0, 24 * 60):
        last = node.value[-1].line if node.value else node.line
        raise TariffError(f"{source}, line {last}: the last band must hold every day and hour (no days, from "
                          "or to): it is in force wherever no other band is")
    return tuple(bands)


def _clock(node: _Node, source: str) -> int:
    found = CLOCK.fullmatch(_text(node, "a time", source))
    minutes = int(found["hour"]) * 60 + int(found["minute"]) if found else -1
    if not 0 <= minutes <= 24 * 60:
        raise TariffError(f"{source}, line {node.line}: time {node.value!r} must be HH:MM, 00:00 to 24:00")
    return minutes


def _date(text: str, source: str, line: int) -> date:
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        where = f"{source}, line {line}" if line else source
        raise TariffError(f"{where}: {text!r} is no date (YYYY-MM-DD)") from None


def _number(text: str, what: str, source: str, line: int) -> Decimal:
    why = money_text(text)
    if why:
        raise TariffError(f"{source}, line {line}: {what} {text!r} {why}")
    return Decimal(text)


def _seconds(text: str) -> int | None:
    return int(text) if SECONDS.fullmatch(text) else None


def parse_deck(text: str, source: str, name: str, valid_from: date) -> tuple[Deck, dict[str, int]]:
    """One deck file; also the line each prefix starts on (for the book's checks)."""
    rows = list(csv.reader(io.StringIO(text)))
    header = [cell.strip() for cell in rows[0]] if rows else []
    if header == HEADER:
        return _single_tariff_deck(text, source, name, valid_from)
    if header != DECK_HEADER:
        raise TariffError(f"{source}, line 1: the header must be {','.join(DECK_HEADER)} (or {','.join(HEADER)})")
    grouped: dict[tuple[str, str], list[tuple[int, list[str]]]] = defaultdict(list)
    lines: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != len(DECK_HEADER):
            raise TariffError(f"{source}, line {line}: {len(row)} fields, expected {len(DECK_HEADER)}")
        cells = [cell.strip() for cell in row]
        if not (E164_PREFIX.fullmatch(cells[0]) or SERVICE_PREFIX.fullmatch(cells[0])):
            raise TariffError(f"{source}, line {line}: prefix {cells[0]!r} must be 1 to 15 digits, not starting "
                              "with 0, or a service prefix (GB:118)")
        if not cells[1] or not cells[2]:
            raise TariffError(f"{source}, line {line}: destination and band must not be empty")
        grouped[(cells[0], cells[2])].append((line, cells))
        lines.setdefault(cells[0], line)
    if not grouped:
        raise TariffError(f"{source}: no rate rows")
    rates: dict[str, dict[str, Rate]] = defaultdict(dict)
    for (prefix, band), step_rows in grouped.items():
        rates[prefix][band] = _rate(prefix, band, step_rows, source)
    for prefix, by_band in rates.items():
        if len({rate.destination for rate in by_band.values()}) > 1:
            raise TariffError(f"{source}, line {lines[prefix]}: prefix {prefix!r} has more than one destination")
    return Deck(name, valid_from, dict(rates)), lines


def _single_tariff_deck(text: str, source: str, name: str, valid_from: date) -> tuple[Deck, dict[str, int]]:
    """The single-tariff format (tariffs/default.csv): per prefix one rate for every band, its
    initial increment a first step, its subsequent increment the second."""
    rates = {t.prefix: {ALL_BANDS: Rate(t.prefix, t.destination, ALL_BANDS, t.connect_fee, (
        Step(0, t.initial_increment_s, t.rate_per_minute),
        Step(t.initial_increment_s, t.subsequent_increment_s, t.rate_per_minute)))}
        for t in parse_tariffs(text, source).tariffs()}
    lines = {row[0].strip(): line for line, row in enumerate(csv.reader(io.StringIO(text)), start=1) if row}
    return Deck(name, valid_from, rates), lines


def _rate(prefix: str, band: str, rows: list[tuple[int, list[str]]], source: str) -> Rate:
    """A rate from its step rows: the first from 0 s carries the connect fee, minimum charge
    and maximum cost; later ones leave them empty."""
    steps: list[Step] = []
    first_line, first = rows[0]
    for line, cells in sorted(rows, key=lambda item: int(item[1][3]) if SECONDS.fullmatch(item[1][3]) else -1):
        from_s, increment = _seconds(cells[3]), _seconds(cells[4])
        if from_s is None or not increment:
            raise TariffError(f"{source}, line {line}: from_s must be a whole number of seconds and increment_s "
                              "one above 0")
        if steps and from_s == steps[-1].from_s:
            raise TariffError(f"{source}, line {line}: prefix {prefix!r} band {band!r} has two steps from {from_s} s")
        if not steps and from_s != 0:
            raise TariffError(f"{source}, line {line}: prefix {prefix!r} band {band!r}: the first step is from 0 s")
        if not steps:
            first_line, first = line, cells
        if steps and any(cells[6:]):
            raise TariffError(f"{source}, line {line}: connect_fee, min_charge and max_cost go on the step from 0 s")
        steps.append(Step(from_s, increment, _number(cells[5], "rate_per_minute", source, line)))
    fee = _number(first[6] or "0", "connect_fee", source, first_line)
    minimum = _number(first[7], "min_charge", source, first_line) if first[7] else None
    maximum = _number(first[8], "max_cost", source, first_line) if first[8] else None
    if minimum is not None and maximum is not None and minimum > maximum:
        raise TariffError(f"{source}, line {first_line}: min_charge is above max_cost")
    return Rate(prefix, first[1], band, fee, tuple(steps), minimum, maximum)


def parse_assignments(text: str, plans: set[str]) -> dict[str, tuple[tuple[date, str], ...]]:
    """assignments.csv: each subscriber's plans by the date they start (midnight in the
    assigned plan's time zone)."""
    source = ASSIGNMENTS_FILE
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [cell.strip() for cell in rows[0]] != ASSIGNMENT_HEADER:
        raise TariffError(f"{source}, line 1: the header must be {','.join(ASSIGNMENT_HEADER)}")
    found: dict[str, dict[date, str]] = defaultdict(dict)
    for line, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != len(ASSIGNMENT_HEADER):
            raise TariffError(f"{source}, line {line}: {len(row)} fields, expected {len(ASSIGNMENT_HEADER)}")
        subscriber, plan, day = (cell.strip() for cell in row)
        if not subscriber:
            raise TariffError(f"{source}, line {line}: subscriber_id is empty")
        if plan not in plans:
            raise TariffError(f"{source}, line {line}: plan {plan!r} is no plan of {PLANS_FILE}")
        valid_from = _date(day, source, line)
        if valid_from in found[subscriber]:
            raise TariffError(f"{source}, line {line}: {subscriber!r} already has a plan from {day}")
        found[subscriber][valid_from] = plan
    return {subscriber: tuple(sorted(by_day.items())) for subscriber, by_day in found.items()}
