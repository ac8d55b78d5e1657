"""Rating plans (domain/tariff_plans.py, domain/tariff_files.py): every rule on hand-worked
values. The amounts in the comments are worked by hand from the decks below."""

from __future__ import annotations

import random
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from domain.rating import TariffError, load_tariffs
from domain.tariff_files import parse_book
from domain.tariff_plans import PlanRatingError, RatingBook, rate_leg

PROJECT_ROOT = Path(__file__).resolve().parents[2]

PLANS = """\
default_plan: basic
plans:
  basic:
    time_zone: UTC
    versions:
      - valid_from: 2026-01-01
        deck: basic
        currency: EUR
        tax_rate: "0.2"
        rounding: {rounding}
        decimals: 2
  business:
    time_zone: Europe/London
    versions:
      - valid_from: 2026-01-01
        deck: business
        currency: GBP
        tax_rate: "0"
        rounding: up
        decimals: 2
        holidays: [2026-12-25]
        bands:
          - {{name: holiday, days: [holiday]}}
          - {{name: peak, days: [mon, tue, wed, thu, fri], from: "08:00", to: "19:00"}}
          - {{name: off_peak}}
"""
DECK_HEADER = "prefix,destination,band,from_s,increment_s,rate_per_minute,connect_fee,min_charge,max_cost\n"
FILES = {
    # The first minute whole at 0.10, then per second at 0.05; a connect fee of 0.05.
    "decks/basic/2026-01-01.csv": DECK_HEADER + "44,United Kingdom,*,0,60,0.10,0.05,,\n"
                                                "44,United Kingdom,*,60,1,0.05,,,\n",
    # New prices from 1 February: 0.20 a minute, per minute, no connect fee.
    "decks/basic/2026-02-01.csv": DECK_HEADER + "44,United Kingdom,*,0,60,0.20,0,,\n",
    "decks/business/2026-01-01.csv": DECK_HEADER + "44,United Kingdom,peak,0,60,0.12,0,0.20,\n"
                                                   "44,United Kingdom,off_peak,0,60,0.03,0,,\n"
                                                   "44,United Kingdom,holiday,0,60,0.01,0,,\n"
                                                   "1,United States,*,0,1,0.60,0,,1.00\n",
    "assignments.csv": "subscriber_id,plan,valid_from\nacme,business,2026-01-01\nlater,business,2026-03-01\n"
                       "mover,business,2026-03-15\n",
}


def book(rounding: str = "half_up", **changes: str) -> RatingBook:
    return parse_book({"plans.yaml": PLANS.format(rounding=rounding), **FILES, **changes})


def ms(text: str) -> int:
    """Epoch milliseconds of an ISO time with its offset."""
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def leg(rating_book: RatingBook, subscriber: str, number: str, answered: str | None, talk: int,
        started: str | None = None, mo: bool = True):  # type: ignore[no-untyped-def]
    start = started or answered
    assert start is not None
    return rate_leg(rating_book, subscriber, number, "GB", mobile_originated=mo, started_ms=ms(start),
                    answered_ms=ms(answered) if answered else None, talk_seconds=talk)


def test_a_stepped_rate() -> None:
    # 61 s: 0.05 + 0.10 (the first minute) + 1 s x 0.05/60 = 0.150833.. -> 0.15; tax 0.03.
    rated = leg(book(), "anyone", "+447700900123", "2026-01-10T12:00:00+00:00", 61)
    assert (rated.amount, rated.tax, rated.billable_seconds, rated.currency) == (
        Decimal("0.15"), Decimal("0.03"), 61, "EUR")
    # 90 s: 0.05 + 0.10 + 30 x 0.05/60 = 0.175 exactly -> 0.18 half up; tax 0.036 -> 0.04.
    rated = leg(book(), "anyone", "+447700900123", "2026-01-10T12:00:00+00:00", 90)
    assert (rated.amount, rated.tax) == (Decimal("0.18"), Decimal("0.04"))
    # 20 s: the first step's one increment is whole: 0.05 + 0.10.
    assert leg(book(), "anyone", "+447700900123", "2026-01-10T12:00:00+00:00", 20).amount == Decimal("0.15")


@pytest.mark.parametrize(("rounding", "amount", "tax"), [
    ("half_up", "0.18", "0.04"), ("up", "0.18", "0.04"), ("down", "0.17", "0.03")])
def test_each_rounding_method(rounding: str, amount: str, tax: str) -> None:
    # 0.175 exactly (above); tax 0.2 x the rounded amount: 0.036 or 0.034.
    rated = leg(book(rounding), "anyone", "+447700900123", "2026-01-10T12:00:00+00:00", 90)
    assert (rated.amount, rated.tax) == (Decimal(amount), Decimal(tax))
    # 61 s: 0.150833..: up rounds any remainder up, the others keep 0.15.
    expected = {"half_up": "0.15", "up": "0.16", "down": "0.15"}[rounding]
    assert leg(book(rounding), "anyone", "+447700900123", "2026-01-10T12:00:00+00:00", 61).amount == \
        Decimal(expected)


def test_a_version_change_at_midnight_rates_by_the_calls_start() -> None:
    # Started 23:59:40 on 31 January, ends in February: January's deck for all of it
    # (0.05 + 0.10 + 60 s x 0.05/60 = 0.20), whenever the record arrives.
    before = leg(book(), "anyone", "+447700900123", "2026-01-31T23:59:40+00:00", 120)
    assert (before.amount, before.deck_version.isoformat()) == (Decimal("0.20"), "2026-01-01")  # type: ignore[union-attr]
    # Started 10 s into February: February's 0.20 a minute, 2 minutes.
    after = leg(book(), "anyone", "+447700900123", "2026-02-01T00:00:10+00:00", 120)
    assert (after.amount, after.deck_version.isoformat()) == (Decimal("0.40"), "2026-02-01")  # type: ignore[union-attr]


def test_a_call_crossing_from_peak_into_off_peak_is_split_at_the_boundary() -> None:
    # Wednesday 4 March (GMT), 18:58 -> 19:03: 18:58 and 18:59 at peak 0.12, 19:00, 19:01 and
    # 19:02 at off-peak 0.03: 0.24 + 0.09 = 0.33.
    rated = leg(book(), "acme", "+447700900123", "2026-03-04T18:58:00+00:00", 300)
    assert (rated.amount, rated.bands, rated.currency, rated.plan) == (
        Decimal("0.33"), ("peak", "off_peak"), "GBP", "business")
    # The same wall-clock call in July, under British Summer Time: 17:58 UTC is 18:58 in London.
    assert leg(book(), "acme", "+447700900123", "2026-07-01T17:58:00+00:00", 300).amount == Decimal("0.33")
    # A minute that starts at 18:59:30 is peak whole: 18:59:30 (peak), 19:00:30, 19:01:30 and
    # 19:02:30 (off-peak): 0.12 + 0.09.
    assert leg(book(), "acme", "+447700900123", "2026-03-04T18:59:30+00:00", 240).amount == Decimal("0.21")


def test_minimum_charge_and_maximum_cost() -> None:
    # 10 s at peak: one minute, 0.12, raised to the minimum charge 0.20.
    assert leg(book(), "acme", "+447700900123", "2026-03-04T10:00:00+00:00", 10).amount == Decimal("0.20")
    # 150 s to the US, per second at 0.60 a minute: 1.50, capped at 1.00.
    assert leg(book(), "acme", "+12025550123", "2026-03-04T10:00:00+00:00", 150).amount == Decimal("1.00")
    # 90 s: 0.90, under the cap.
    assert leg(book(), "acme", "+12025550123", "2026-03-04T10:00:00+00:00", 90).amount == Decimal("0.90")


def test_holidays_weekends_and_two_plans_side_by_side() -> None:
    # Christmas Day 2026 is a Friday: the holiday band (0.01), not peak; 3 minutes.
    assert leg(book(), "acme", "+447700900123", "2026-12-25T10:00:00+00:00", 180).amount == Decimal("0.03")
    # Saturday: off-peak all day.
    assert leg(book(), "acme", "+447700900123", "2026-03-07T10:00:00+00:00", 180).amount == Decimal("0.09")
    # The same call for a subscriber of each plan: EUR under basic, GBP under business.
    basic = leg(book(), "someone", "+447700900123", "2026-03-04T10:00:00+00:00", 120)
    business = leg(book(), "acme", "+447700900123", "2026-03-04T10:00:00+00:00", 120)
    assert (basic.plan, basic.currency, basic.amount) == ("basic", "EUR", Decimal("0.40"))
    assert (business.plan, business.currency, business.amount) == ("business", "GBP", Decimal("0.24"))


def test_assignments_and_the_default_plan() -> None:
    unknown = leg(book(), "nobody", "+447700900123", "2026-03-04T10:00:00+00:00", 60)
    assert (unknown.plan, unknown.assigned) == ("basic", False)
    # Assigned business from 1 March (midnight in London): February on the default plan.
    assert leg(book(), "later", "+447700900123", "2026-02-28T23:59:00+00:00", 60).plan == "basic"
    march = leg(book(), "later", "+447700900123", "2026-03-01T00:00:00+00:00", 60)
    assert (march.plan, march.assigned) == ("business", True)


def test_what_is_not_priced() -> None:
    unrated = leg(book(), "anyone", "+33612345678", "2026-01-10T12:00:00+00:00", 60)
    assert (unrated.error, unrated.amount) == (PlanRatingError.UNRATED_DESTINATION, Decimal("0.00"))
    service = leg(book(), "anyone", "999", "2026-01-10T12:00:00+00:00", 60)
    assert (service.error, service.amount, service.destination) == (None, Decimal("0.00"), "service number (free)")
    unanswered = leg(book(), "anyone", "+447700900123", None, 0, started="2026-01-10T12:00:00+00:00")
    assert (unanswered.error, unanswered.amount, unanswered.billable_seconds) == (None, Decimal("0.00"), 0)
    incoming = leg(book(), "anyone", "+447700900123", "2026-01-10T12:00:00+00:00", 60, mo=False)
    assert (incoming.error, incoming.amount) == (None, Decimal("0.00"))
    too_early = leg(book(), "anyone", "+447700900123", "2025-12-31T23:00:00+00:00", 60)
    assert too_early.error is PlanRatingError.NO_PLAN_IN_FORCE


def test_the_single_tariff_csv_is_a_deck_as_it_is() -> None:
    """The default deck (a single-tariff CSV) rates every call by the single tariff's rules,
    computed here by hand: the longest prefix; billable = the initial increment whole, then
    whole subsequent increments; amount = fee + rate x billable / 60, tax 20 % of it, each
    half-up to 6 places."""
    plans = ("default_plan: standard\nplans:\n  standard:\n    time_zone: UTC\n    versions:\n"
             "      - {valid_from: 2000-01-01, deck: default, currency: EUR, tax_rate: '0.2', rounding: half_up,"
             " decimals: 6}\n")
    path = PROJECT_ROOT / "tariffs" / "decks" / "default" / "1970-01-01.csv"
    migrated = parse_book({"plans.yaml": plans, "decks/default/2000-01-01.csv": path.read_text(encoding="utf-8")})
    tariffs = {t.prefix: t for t in load_tariffs(path).tariffs() if not t.prefix[0].isalpha()}
    six = Decimal("0.000001")
    draw = random.Random(18)
    for _ in range(2000):
        number = "+" + draw.choice(list(tariffs)) + "".join(draw.choice("0123456789")
                                                            for _ in range(draw.randint(0, 8)))
        talk = draw.choice([0, 1, 59, 60, 61, draw.randint(0, 7200)])
        tariff = tariffs[max((p for p in tariffs if number[1:].startswith(p)), key=len)]
        first, then = tariff.initial_increment_s, tariff.subsequent_increment_s
        billable = 0 if talk == 0 else first if talk <= first else first + -(-(talk - first) // then) * then
        amount = (tariff.connect_fee + tariff.rate_per_minute * billable / 60).quantize(six, ROUND_HALF_UP)
        new = leg(migrated, "s", number, "2026-05-05T05:05:05+00:00", talk)
        assert (new.prefix, new.billable_seconds, new.amount, new.tax) == (
            tariff.prefix, billable, amount, (amount * Decimal("0.2")).quantize(six, ROUND_HALF_UP)), number


@pytest.mark.parametrize(("changes", "message"), [
    ({"plans.yaml": "default_plan: gold\nplans:\n  basic:\n    time_zone: UTC\n    versions: []\n"},
     r"plans.yaml, line 5: plan 'basic' has no version"),
    ({"plans.yaml": PLANS.format(rounding="half_even")}, r"plans.yaml, line 10: rounding must be half_up, up, down"),
    ({"plans.yaml": PLANS.format(rounding="up").replace("Europe/London", "Europe/Londres")},
     r"plans.yaml, line 13: time_zone 'Europe/Londres' is no IANA time zone"),
    ({"plans.yaml": PLANS.format(rounding="up").replace('to: "19:00"', 'to: "25:00"')},
     r"plans.yaml, line 24: time '25:00' must be HH:MM"),
    ({"plans.yaml": PLANS.format(rounding="up").replace("- {name: off_peak}", "- {name: off_peak, days: [sat]}")},
     r"plans.yaml, line 25: the last band must hold every day and hour"),
    ({"decks/business/2026-01-01.csv": DECK_HEADER + "44,United Kingdom,peak,0,60,0.12,0,,\n"},
     r"decks/business/2026-01-01.csv, line 2: prefix '44' has no rate for band\(s\) holiday, off_peak of plan "
     r"'business'"),
    ({"decks/business/2026-01-01.csv": DECK_HEADER + "44,United Kingdom,*,0,60,0.12,0,,\n"
                                                     "44,United Kingdom,evening,0,60,0.12,0,,\n"},
     r"line 2: band 'evening' is no band of a plan using deck 'business'"),
    ({"decks/basic/2026-01-01.csv": DECK_HEADER + "44,United Kingdom,*,0,60,0.10,0.05,,\n"
                                                  "44,United Kingdom,*,60,1,0.05,0.01,,\n"},
     r"decks/basic/2026-01-01.csv, line 3: connect_fee, min_charge and max_cost go on the step from 0 s"),
    ({"decks/basic/2026-01-01.csv": DECK_HEADER + "44,United Kingdom,*,30,60,0.10,0.05,,\n"},
     r"line 2: prefix '44' band '\*': the first step is from 0 s"),
    ({"decks/basic/2026-01-01.csv": DECK_HEADER + "44,United Kingdom,*,0,60,-0.10,0,,\n"},
     r"line 2: rate_per_minute '-0.10' must be a plain decimal number \(0.05\), not negative"),
    ({"decks/basic/2026-01-01.csv": DECK_HEADER + "44,United Kingdom,*,0,60,0.10,0,2.00,1.00\n"},
     r"line 2: min_charge is above max_cost"),
    ({"assignments.csv": "subscriber_id,plan,valid_from\nacme,gold,2026-01-01\n"},
     r"assignments.csv, line 2: plan 'gold' is no plan of plans.yaml"),
    ({"assignments.csv": "subscriber_id,plan,valid_from\nacme,basic,2026-01-01\nacme,business,2026-01-01\n"},
     r"assignments.csv, line 3: 'acme' already has a plan from 2026-01-01"),
    ({"decks/basic/2026-13-01.csv": DECK_HEADER + "44,United Kingdom,*,0,60,0.10,0,,\n"},
     r"decks/basic/2026-13-01.csv: '2026-13-01' is no date"),
])
def test_a_problem_names_its_file_and_line(changes: dict[str, str], message: str) -> None:
    files = {"plans.yaml": PLANS.format(rounding="up"), **FILES, **changes}
    with pytest.raises(TariffError, match=message):
        parse_book(files)


def test_a_long_call_on_per_second_steps_is_capped() -> None:
    rated = leg(book(), "acme", "+12025550123", "2026-03-04T18:00:00+00:00", 7200)
    assert rated.billable_seconds == 7200 and rated.amount == Decimal("1.00")


def test_the_worked_example_of_the_tariff_page() -> None:
    """docs/tariffs.md's plan, deck and worked call, read from the page itself."""
    page = (PROJECT_ROOT / "docs" / "tariffs.md").read_text(encoding="utf-8")
    blocks = page.split("```")
    plans = next(block for block in blocks if block.startswith("yaml\n"))[len("yaml\n"):]
    deck = next(block for block in blocks if block.startswith("\nprefix,destination,band"))[1:]
    rating_book = parse_book({"plans.yaml": plans, "decks/retail/2026-01-01.csv": deck})
    # A Wednesday, 18:58:00 in London (GMT in March), 300 s.
    rated = leg(rating_book, "anyone", "+447700900123", "2026-03-04T18:58:00+00:00", 300)
    assert (rated.amount, rated.tax, rated.bands) == (Decimal("0.32"), Decimal("0.06"), ("peak", "off_peak"))
