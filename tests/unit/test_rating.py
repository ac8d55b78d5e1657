"""The single-tariff CSV (domain/rating.py) and its rules as a rating plan's deck
(domain/tariff_plans.py), with every expected value worked by hand in the comments."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.rating import TariffError, TariffTable, load_tariffs, parse_tariffs
from domain.tariff_files import parse_book
from domain.tariff_plans import PlanRatingError, rate_leg

TARIFF = """prefix,destination,rate_per_minute,connect_fee,initial_increment_s,subsequent_increment_s
1,United States,0.0100,0,60,60
1876,Jamaica,0.2450,0,60,60
1900,US premium,1.9900,0.5000,60,60
33,France,0.0120,0,1,1
44,United Kingdom,0.0730,0,30,6
4991,Tiny rate,0.000009,0,1,1
GB:118,UK directory enquiries,2.4500,2.0000,60,60
GB:1181,UK directory (one provider),1.0000,0,1,1
"""
ZERO = Decimal("0")
PLAN = ("default_plan: flat\nplans:\n  flat:\n    time_zone: UTC\n    versions:\n      - {{valid_from: 2026-01-01, "
        "deck: flat, currency: EUR, tax_rate: '{tax}', rounding: half_up, decimals: 6}}\n")


def rate(number: str, talk: int, *, mo: bool = True, answered: bool = True, tax: str = "0",
         country: str | None = None) -> tuple:
    """The tariff above as the deck of a plan of this tax rate, half-up to 6 places."""
    book = parse_book({"plans.yaml": PLAN.format(tax=tax), "decks/flat/2026-01-01.csv": TARIFF})
    at = 1_780_000_000_000  # 2026-05-28
    r = rate_leg(book, "s", number, country, mobile_originated=mo, started_ms=at,
                 answered_ms=at if answered else None, talk_seconds=talk)
    return (r.prefix, r.billable_seconds, r.amount, r.tax, r.error)


@pytest.mark.parametrize("talk, billable, amount", [
    (0, 0, "0"),         # nothing talked, nothing billed (no connect fee here)
    (1, 60, "0.01"),     # a started first minute is a whole minute: 0.01 x 60/60
    (60, 60, "0.01"),    # exactly the initial increment
    (61, 120, "0.02"),   # initial + 1 s: one more 60 s step
    (10800, 10800, "1.80"),  # 3 hours: 180 minutes x 0.01
])
def test_60_60_plan(talk: int, billable: int, amount: str) -> None:
    assert rate("+12015550123", talk) == ("1", billable, Decimal(amount), ZERO, None)


@pytest.mark.parametrize("talk, billable, amount", [
    (1, 30, "0.0365"),   # 0.0730 x 30/60
    (30, 30, "0.0365"),
    (31, 36, "0.0438"),  # 30 + ceil(1/6) x 6 = 36: 0.0730 x 36/60
    (37, 42, "0.0511"),  # 30 + ceil(7/6) x 6 = 42: 0.0730 x 42/60
])
def test_30_6_plan(talk: int, billable: int, amount: str) -> None:
    assert rate("+442079460958", talk)[1:3] == (billable, Decimal(amount))


@pytest.mark.parametrize("talk, amount", [(1, "0.0002"), (7, "0.0014"), (61, "0.0122")])  # 0.012 x s/60
def test_1_1_plan(talk: int, amount: str) -> None:
    assert rate("+33612345678", talk)[1:3] == (talk, Decimal(amount))


def test_connect_fee_and_tax() -> None:
    # 90 s on 60/60 -> 120 s; 0.50 + 1.99 x 2 = 4.48; tax 20 % = 0.896
    assert rate("+19005550100", 90, tax="0.2") == ("1900", 120, Decimal("4.48"), Decimal("0.896"), None)


def test_half_up_rounding_at_the_sixth_decimal() -> None:
    # 0.000009 x 30/60 = 0.0000045 -> 0.000005 half-up (half-even would give 0.000004);
    # tax 10 %: 0.000005 x 0.1 = 0.0000005 -> 0.000001 (half-even: 0.000000)
    _, billable, amount, tax, _ = rate("+4991234567", 30, tax="0.1")
    assert (billable, str(amount), str(tax)) == (30, "0.000005", "0.000001")


def test_longest_prefix_wins() -> None:
    assert rate("+18762101234", 60)[0] == "1876"
    assert rate("+19005550100", 60)[0] == "1900"
    assert rate("+12015550123", 60)[0] == "1"


def test_unknown_destination_is_an_error_not_a_free_call() -> None:
    assert rate("+6561234567", 60) == (None, 0, ZERO, ZERO, PlanRatingError.UNRATED_DESTINATION)


def test_mt_and_unanswered_legs_cost_nothing() -> None:
    assert rate("+6561234567", 600, mo=False) == (None, 0, ZERO, ZERO, None)  # MT: no lookup at all
    assert rate("+19005550100", 0, answered=False, tax="0.2") == ("1900", 0, ZERO, ZERO, None)  # no fee


def test_service_numbers_are_rated_in_the_callers_country_and_free_unless_priced() -> None:
    # 118 055 from GB, GB:118 (60/60): talk 90 s -> 120 s = 2.00 + 2.45 x 2 = 6.90; tax 20 % 1.38
    assert rate("118055", 90, country="GB", tax="0.2") == ("GB:118", 120, Decimal("6.9"), Decimal("1.38"), None)
    # 118 118 matches the longer GB:1181 (1/1): 90 s x 1.00/60 = 1.50
    assert rate("118118", 90, country="GB") == ("GB:1181", 90, Decimal("1.5"), ZERO, None)
    # 999 from GB, 118 from France, *97 anywhere: no entry prices them, free (never unrated)
    assert rate("999", 300, country="GB") == ("GB:", 300, ZERO, ZERO, None)
    assert rate("118118", 90, country="FR") == ("FR:", 90, ZERO, ZERO, None)
    assert rate("*97", 30) == (":", 30, ZERO, ZERO, None)


@pytest.mark.parametrize("row, problem", [
    ("gb:118,UK,0.01,0,1,1", "line 3: prefix 'gb:118' must be 1 to 15 digits, not starting with 0, or a service"),
    ("GB:,UK,0.01,0,1,1", "line 3: prefix 'GB:' must be"),
    ("44,UK again,0.01,0,1,1", "line 3: duplicate prefix '44'"),
    ("45,Denmark,-0.01,0,1,1", "line 3: rate_per_minute '-0.01' must be a plain decimal number (0.05)"),
    ("4a5,Denmark,0.01,0,1,1", "line 3: prefix '4a5' must be 1 to 15 digits"),
    ("45,Denmark,0.01,0,0,1", "line 3: initial_increment_s '0' must be a whole number of seconds above 0"),
    ("45,Denmark,0.01,0,60,0", "line 3: subsequent_increment_s '0' must be"),
    ("45,Denmark,0.0000001,0,1,1", "line 3: rate_per_minute '0.0000001' has more than 6 decimal places"),
    ("45,Denmark,0.01", "line 3: 3 fields, expected 6"),
])
def test_malformed_tariffs_name_file_line_and_problem(tmp_path: Path, row: str, problem: str) -> None:
    path = tmp_path / "tariff.csv"
    path.write_text(TARIFF.splitlines()[0] + "\n44,United Kingdom,0.0730,0,30,6\n" + row + "\n")
    with pytest.raises(TariffError) as error:
        load_tariffs(path)
    assert str(error.value).startswith(f"{path}, line ")
    assert problem in str(error.value)


def test_default_tariff_covers_forty_countries_and_round_trips() -> None:
    path = Path(__file__).resolve().parents[2] / "tariffs" / "decks" / "default" / "1970-01-01.csv"
    table = load_tariffs(path)
    assert len(table) >= 100 and len({t.prefix[:2] for t in table.tariffs() if ":" not in t.prefix}) >= 30
    for prefix in ("1", "1876", "1900", "44", "447", "4470", "33", "336", "49", "4915", "882", "881"):
        assert rate_default("+" + prefix + "5555555") == prefix
    assert rate_default("118118", "GB") == "GB:118" and rate_default("411", "US") == "US:411"
    assert isinstance(parse_tariffs(table.to_csv(), "round trip"), TariffTable)
    assert len(parse_tariffs(table.to_csv(), "round trip")) == len(table)


def rate_default(number: str, country: str | None = None) -> str | None:
    """The prefix the project's default plan prices `number` by."""
    book = parse_book({"plans.yaml": PLAN.format(tax="0"), "decks/flat/2026-01-01.csv": (
        Path(__file__).resolve().parents[2] / "tariffs" / "decks" / "default" / "1970-01-01.csv").read_text()})
    return rate_leg(book, "s", number, country, mobile_originated=True, started_ms=1_780_000_000_000,
                    answered_ms=None, talk_seconds=0).prefix
