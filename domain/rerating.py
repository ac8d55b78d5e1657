"""Rerating a billed month: per bill, what to add so that it equals the month rated again.

A bill is the running total the streaming job keeps, and the job never stops adding late legs
to it. So a rerating does not rewrite a bill: it prices every leg again and, per bill, sums
the differences leg by leg between the price now and the price the leg was billed at (the
archive keeps, for every final leg, the price the job rated and so billed). The correction
is a difference over a fixed set of legs, so it stays true whatever the job adds afterwards:
the corrected bill is always the live bill plus its adjustment.

A leg is on the bill of the subscriber charged for it (its payer, as the job attributed it)
in the month of its start, in the currency of the plan that priced it; a leg whose new plan
has another currency leaves one bill and joins another. A leg billed before that the new
tariffs cannot price would leave its bill without a price: that is refused (`unrated_now`),
never written as a credit.

Plain Python, no I/O: ops/rerate.py reads the archive and the replay's rated_calls, and
writes what this returns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

BillKey = tuple[str, str, str]  # (subscriber_id, bill_month 'yyyy-MM', currency): one bill


@dataclass(frozen=True)
class Price:
    """What one leg costs on its bill."""

    amount: Decimal
    tax: Decimal
    currency: str
    billable_seconds: int


@dataclass(frozen=True)
class Repriced:
    """One final leg of the month: its price when billed and its price now (None: unpriced,
    a rating error, so on no bill)."""

    record_id: str
    payer: str | None  # whose bill it is on; None when the new rating did not price it
    bill_month: str
    billed: Price | None
    now: Price | None


@dataclass
class BillChange:
    """What to add to one bill: its figures now minus its figures as billed, over the legs
    rerated."""

    calls: int = 0
    billable_seconds: int = 0
    amount: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    legs_repriced: int = 0

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax

    def add(self, price: Price, sign: int) -> None:
        self.calls += sign
        self.billable_seconds += sign * price.billable_seconds
        self.amount += sign * price.amount
        self.tax += sign * price.tax

    @property
    def changes_anything(self) -> bool:
        return bool(self.calls or self.billable_seconds or self.amount or self.tax)


@dataclass
class Rerating:
    changes: dict[BillKey, BillChange] = field(default_factory=dict)
    legs: int = 0  # legs of the month compared
    repriced: int = 0  # of which the price (or currency, or billable time) changed
    unrated_now: list[str] = field(default_factory=list)  # billed before, unpriced now: refused


def rerate(legs: Iterable[Repriced], month: str) -> Rerating:
    """The change of every bill of `month` whose legs' prices changed."""
    changes: dict[BillKey, BillChange] = defaultdict(BillChange)
    result = Rerating()
    for leg in legs:
        if leg.bill_month != month or (leg.billed is None and leg.now is None):
            continue
        result.legs += 1
        if leg.billed == leg.now:
            continue
        if leg.now is None or leg.payer is None:
            result.unrated_now.append(leg.record_id)
            continue
        result.repriced += 1
        if leg.billed is not None:
            left = changes[(leg.payer, month, leg.billed.currency)]
            left.add(leg.billed, -1)
            left.legs_repriced += 1
        joined = changes[(leg.payer, month, leg.now.currency)]
        joined.add(leg.now, +1)
        if leg.billed is None or leg.billed.currency != leg.now.currency:
            joined.legs_repriced += 1
    result.changes = {key: change for key, change in sorted(changes.items()) if change.changes_anything}
    result.unrated_now.sort()
    return result
