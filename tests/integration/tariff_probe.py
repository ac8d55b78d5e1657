"""Probes of the rate a running streaming job prices with: what the tariff-reload and rerating
tests send to see a changed tariff folder taken."""

from __future__ import annotations

import copy
import time
from datetime import datetime, timedelta
from decimal import Decimal

from local.local_aws import LocalAws
from ops.reconcile import dynamodb_bills
from stream_io.kinesis_writer import put_stream
from synthetic.bad_records import GOOD
from synthetic.traffic import to_json


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
