"""domain/rerating.py: per bill, the sum of the legs' price differences, worked by hand."""

from __future__ import annotations

from decimal import Decimal

from domain.rerating import BillChange, Price, Repriced, rerate

MONTH = "2026-11"


def price(amount: str, tax: str = "0", currency: str = "EUR", seconds: int = 60) -> Price:
    return Price(Decimal(amount), Decimal(tax), currency, seconds)


def leg(record_id: str, billed: Price | None, now: Price | None, payer: str | None = "ann",
        month: str = MONTH) -> Repriced:
    return Repriced(record_id, payer if now is not None else None, month, billed, now)


def figures(change: BillChange) -> tuple[int, int, Decimal, Decimal, Decimal, int]:
    return change.calls, change.billable_seconds, change.amount, change.tax, change.total, change.legs_repriced


def test_a_new_price_changes_the_bill_by_the_difference_of_each_leg() -> None:
    result = rerate([
        leg("a", price("0.10", "0.02"), price("0.15", "0.03")),  # +0.05, +0.01
        leg("b", price("0.20", "0.04"), price("0.20", "0.04")),  # unchanged: not repriced
        leg("c", price("1.00", "0.20", seconds=120), price("0.80", "0.16", seconds=120)),  # -0.20, -0.04
    ], MONTH)
    assert (result.legs, result.repriced, result.unrated_now) == (3, 2, [])
    assert {key: figures(change) for key, change in result.changes.items()} == {
        ("ann", MONTH, "EUR"): (0, 0, Decimal("-0.15"), Decimal("-0.03"), Decimal("-0.18"), 2)}


def test_a_leg_unpriced_when_billed_and_priced_now_joins_the_bill_as_a_call() -> None:
    result = rerate([leg("a", None, price("0.30", "0.06", seconds=90))], MONTH)
    assert {key: figures(change) for key, change in result.changes.items()} == {
        ("ann", MONTH, "EUR"): (1, 90, Decimal("0.30"), Decimal("0.06"), Decimal("0.36"), 1)}


def test_a_leg_now_in_another_currency_leaves_one_bill_and_joins_the_other() -> None:
    result = rerate([leg("a", price("0.50", "0.10", "EUR", 60), price("0.40", "0", "GBP", 60))], MONTH)
    assert {key: figures(change) for key, change in result.changes.items()} == {
        ("ann", MONTH, "EUR"): (-1, -60, Decimal("-0.50"), Decimal("-0.10"), Decimal("-0.60"), 1),
        ("ann", MONTH, "GBP"): (1, 60, Decimal("0.40"), Decimal("0"), Decimal("0.40"), 1)}


def test_each_leg_counts_on_its_payers_bill() -> None:
    result = rerate([leg("a", price("0.10"), price("0.20"), payer="ann"),
                     leg("b", price("0.10"), price("0.30"), payer="bob")], MONTH)
    assert {key: change.amount for key, change in result.changes.items()} == {
        ("ann", MONTH, "EUR"): Decimal("0.10"), ("bob", MONTH, "EUR"): Decimal("0.20")}


def test_a_leg_billed_before_and_unpriced_now_is_refused_not_credited() -> None:
    result = rerate([leg("b", price("0.10"), None), leg("a", price("0.10"), price("0.20"))], MONTH)
    assert result.unrated_now == ["b"]
    assert {key: change.amount for key, change in result.changes.items()} == {("ann", MONTH, "EUR"): Decimal("0.10")}


def test_other_months_and_legs_never_priced_are_left_alone() -> None:
    result = rerate([leg("a", price("0.10"), price("0.20"), month="2026-10"), leg("b", None, None)], MONTH)
    assert (result.legs, result.repriced, result.changes) == (0, 0, {})


def test_only_a_billable_time_change_still_changes_the_bill() -> None:
    result = rerate([leg("a", price("0.10", seconds=60), price("0.10", seconds=61))], MONTH)
    assert {key: figures(change) for key, change in result.changes.items()} == {
        ("ann", MONTH, "EUR"): (0, 1, Decimal("0"), Decimal("0"), Decimal("0"), 1)}


def test_equal_prices_written_to_other_places_are_no_change() -> None:
    result = rerate([leg("a", price("0.100000", "0.020000"), price("0.1", "0.02"))], MONTH)
    assert (result.repriced, result.changes) == (0, {})
