"""A tariff folder a running streaming job re-reads, and probes of the rate it prices with:
what the tariff-reload and rerating tests use to change prices under a job and see them taken."""

from __future__ import annotations

import copy
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from local.local_aws import LocalAws
from ops.reconcile import dynamodb_bills
from stream_io.kinesis_writer import put_stream
from synthetic.bad_records import GOOD
from synthetic.traffic import to_json

PLANS = """default_plan: flat
plans:
  flat:
    time_zone: UTC
    versions:
      - {valid_from: 2026-01-01, deck: flat, currency: EUR, tax_rate: "0", rounding: half_up, decimals: 2}
"""
DECK = "prefix,destination,band,from_s,increment_s,rate_per_minute,connect_fee,min_charge,max_cost\n" \
       "33,France,*,0,60,{rate},0,,\n1,North America,*,0,60,0.05,0,,\n"


def probe_folder(root: Path, rate: str) -> Path:
    """A folder of one plan: France at `rate` a minute (what probes call), North America at 0.05;
    returns the deck's path, to be rewritten with another rate."""
    deck = root / "decks" / "flat" / "2026-01-01.csv"
    deck.parent.mkdir(parents=True)
    (root / "plans.yaml").write_text(PLANS, encoding="utf-8")
    deck.write_text(DECK.format(rate=rate), encoding="utf-8")
    return deck


class Prober:
    """One-minute calls to France (GOOD's number), each of a subscriber of its own, billed at
    the rate per minute in force when the job rates it."""

    def __init__(self, aws: LocalAws):
        self.aws = aws
        self.sent = 0
        self.lines: list[str] = []  # every probe sent, for an independent rating of them

    def price(self) -> Decimal:
        """A probe's price, once billed."""
        self.sent += 1
        start = datetime.fromisoformat("2026-11-01T10:00:00+00:00") + timedelta(minutes=self.sent)
        call = copy.deepcopy(GOOD)
        call.update(recordId=f"probe-{self.sent}:STOP", callId=f"probe-{self.sent}", startTime=start.isoformat(),
                    answerTime=(start + timedelta(seconds=5)).isoformat(),
                    endTime=(start + timedelta(seconds=65)).isoformat(), duration=65)
        call["callingParty"]["subscriberId"] = f"probe-{self.sent}"
        self.lines.append(to_json(call))
        put_stream(self.lines[-1:], self.aws.kinesis, self.aws.resources.stream_arn)
        deadline = time.monotonic() + 90
        while True:
            bill = dynamodb_bills(self.aws.dynamodb, self.aws.resources.billing_monthly_table).get(
                (f"probe-{self.sent}", "2026-11", "EUR"))
            if bill:
                return Decimal(bill["amount"])
            assert time.monotonic() < deadline, f"probe {self.sent} not billed in 90 s"
            time.sleep(0.5)

    def prices_until(self, price: Decimal, reload_s: float, most: int = 12) -> list[Decimal]:
        """Probes, each more than a reload interval after the last, until one is at `price`."""
        seen: list[Decimal] = []
        while not seen or seen[-1] != price:
            assert len(seen) < most, f"never at {price}: {seen}"
            time.sleep(reload_s + 0.2)
            seen.append(self.price())
        return seen
