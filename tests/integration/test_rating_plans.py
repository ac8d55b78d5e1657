"""Rating plans through the whole job, replay and streaming: the plans and decks of
tests/unit/test_tariff_plans.py, calls for each rule, and every price worked by hand."""

from __future__ import annotations

import copy
import json
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jobs.cdr_pipeline import run_replay
from local.local_aws import LocalAws, Resources
from ops.reconcile import dynamodb_bills
from stream_io.kinesis_writer import put_stream
from synthetic.bad_records import GOOD
from synthetic.traffic import to_json
from tests.integration.checkpointed_job import run_checkpointed
from tests.unit.test_tariff_plans import FILES, PLANS

# (record id, subscriber, called number, answered at, talk seconds): what each call shows.
CALLS = [
    ("stepped", "anyone", "+447700900123", "2026-01-10T12:00:00+00:00", 90),
    ("before-midnight", "anyone", "+447700900123", "2026-01-31T23:59:40+00:00", 120),
    ("after-midnight", "anyone", "+447700900123", "2026-02-01T00:00:10+00:00", 120),
    ("peak-to-off-peak", "acme", "+447700900123", "2026-03-04T18:58:00+00:00", 300),
    ("minimum", "acme", "+447700900123", "2026-03-04T10:00:00+00:00", 10),
    ("capped", "acme", "+12025550123", "2026-03-04T11:00:00+00:00", 150),
    ("holiday", "acme", "+447700900123", "2026-12-25T10:00:00+00:00", 180),
    ("mover-in-euros", "mover", "+447700900123", "2026-03-10T12:00:00+00:00", 60),
    ("mover-in-pounds", "mover", "+447700900123", "2026-03-16T20:00:00+00:00", 60),
]
# Worked by hand (tests/unit/test_tariff_plans.py has each step): amount, currency, plan,
# assigned, deck version, bands.
PRICED = {
    "stepped": ("0.18", "EUR", "basic", False, "2026-01-01", "all"),  # 0.05 + 0.10 + 30 s x 0.05/60
    "before-midnight": ("0.20", "EUR", "basic", False, "2026-01-01", "all"),  # January's deck for all of it
    "after-midnight": ("0.40", "EUR", "basic", False, "2026-02-01", "all"),  # February's 0.20 a minute
    "peak-to-off-peak": ("0.33", "GBP", "business", True, "2026-01-01", "peak,off_peak"),  # 2 x 0.12 + 3 x 0.03
    "minimum": ("0.20", "GBP", "business", True, "2026-01-01", "peak"),  # 0.12 raised to 0.20
    "capped": ("1.00", "GBP", "business", True, "2026-01-01", "peak"),  # 1.50 capped at 1.00
    "holiday": ("0.03", "GBP", "business", True, "2026-01-01", "holiday"),
    "mover-in-euros": ("0.20", "EUR", "basic", False, "2026-02-01", "all"),  # the default plan until the 15th
    "mover-in-pounds": ("0.03", "GBP", "business", True, "2026-01-01", "off_peak"),  # business from the 15th
}
# The bills: per subscriber, month and currency, amount and tax (basic: 20 %, rounded half-up
# per call). A plan of another currency from mid-month gives the month a bill in each.
BILLS = {
    ("anyone", "2026-01", "EUR"): (2, Decimal("0.38"), Decimal("0.08")),  # 0.18 + 0.20; 0.04 + 0.04
    ("anyone", "2026-02", "EUR"): (1, Decimal("0.40"), Decimal("0.08")),
    ("acme", "2026-03", "GBP"): (3, Decimal("1.53"), Decimal("0")),  # 0.33 + 0.20 + 1.00
    ("acme", "2026-12", "GBP"): (1, Decimal("0.03"), Decimal("0")),
    ("mover", "2026-03", "EUR"): (1, Decimal("0.20"), Decimal("0.04")),
    ("mover", "2026-03", "GBP"): (1, Decimal("0.03"), Decimal("0")),
}


def _records() -> list[str]:
    out = []
    for record_id, subscriber, number, answered, talk in CALLS:
        at = datetime.fromisoformat(answered)
        call = copy.deepcopy(GOOD)
        call.update(recordId=f"{record_id}:STOP", callId=record_id, startTime=(at - timedelta(seconds=2)).isoformat(),
                    answerTime=at.isoformat(), endTime=(at + timedelta(seconds=talk)).isoformat(), duration=talk + 2)
        call["callingParty"]["subscriberId"] = subscriber
        call["calledParty"] = {"number": number, "numberType": "MOBILE", "destination": number[1:3]}
        out.append(to_json(call))
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plans")
    for name, text in {"plans.yaml": PLANS.format(rounding="half_up"), **FILES}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_a_replay_rates_each_rule_as_worked_by_hand(folder: Path, tmp_path: Path) -> None:
    cdrs = tmp_path / "cdrs.jsonl"
    cdrs.write_text("".join(line + "\n" for line in _records()), encoding="utf-8")
    run_replay(cdrs, tmp_path / "out", None, tariffs=folder)
    rated = {row["call_id"]: row for row in pq.read_table(tmp_path / "out" / "rated_calls").to_pylist()}
    assert {call: (row["amount"], row["currency"], row["plan"], row["plan_assigned"], row["deck_version"],
                   row["bands"]) for call, row in rated.items()} == {
        call: (Decimal(amount), *rest) for call, (amount, *rest) in PRICED.items()}
    bills = pq.read_table(tmp_path / "out" / "billing_monthly").to_pylist()
    assert {(b["subscriber_id"], b["bill_month"], b["currency"]): (b["calls"], b["amount"], b["tax"])
            for b in bills} == BILLS
    assert all(b["month_currency"] == f"{b['bill_month']}/{b['currency']}" for b in bills)


def test_the_streaming_job_bills_each_rule_as_worked_by_hand(folder: Path, tmp_path: Path) -> None:
    with LocalAws.start(Resources(stream="cdr-plans", bucket="cdr-plans-archive")) as aws:
        groups = aws.application_properties(bounded=True)
        for group in groups:
            if group["PropertyGroupId"] == "CdrBilling":
                group["PropertyMap"] = {"tariffs": str(folder)}
        properties = tmp_path / "bounded.json"
        properties.write_text(json.dumps(groups), encoding="utf-8")
        put_stream(_records(), aws.kinesis, aws.resources.stream_arn)
        run_checkpointed(properties, tmp_path / "checkpoints").wait()
        deadline = time.monotonic() + 30
        while len(bills := dynamodb_bills(aws.dynamodb, aws.resources.billing_monthly_table)) < len(BILLS):
            assert time.monotonic() < deadline, bills
            time.sleep(1)
        assert {key: (b["calls"], b["amount"], b["tax"]) for key, b in bills.items()} == BILLS
        assert {key: b["month_currency"] for key, b in bills.items()} == {key: f"{key[1]}/{key[2]}" for key in BILLS}
