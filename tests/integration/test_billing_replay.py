"""Monthly bills through the job (replay) and through the reconciliation, against values
worked by hand for a small set of call legs that covers the pipeline-level rules."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from jobs.cdr_pipeline import run_replay
from jobs.config import BillingConfig, tariff_source
from ops.reconcile import expected_bills
from ops.reconcile import main as reconcile_main
from synthetic.bad_records import GOOD

TARIFF = """prefix,destination,rate_per_minute,connect_fee,initial_increment_s,subsequent_increment_s
1,United States,0.0100,0,60,60
1900,US premium,1.9900,0.5000,60,60
33,France,0.0120,0,1,1
44,United Kingdom,0.0730,0,30,6
GB:118,United Kingdom directory enquiries,2.4500,2.0000,60,60
"""


def leg(record_id: str, subscriber: str, called: str, start: str, answer: str | None, end: str, *,
        kind: str = "STOP", direction: str = "MOBILE_ORIGINATED", reason: str = "NORMAL") -> dict[str, Any]:
    record = copy.deepcopy(GOOD)
    record.update(recordId=record_id, callId=record_id.split(":")[0], recordType=kind, startTime=start,
                  endTime=end, callDirection=direction, terminationReason=reason)
    record.pop("answerTime")
    if answer:
        record["answerTime"] = answer
    record["callingParty"]["subscriberId"] = subscriber
    record["calledParty"]["number"] = called
    return record


LEGS = [
    # A: France 1/1, talk 61.5 s -> 62 s; 0.012 x 62/60 = 0.0124; tax 20 % 0.00248. Sent twice.
    leg("a1:STOP", "A", "+33612345678", "2026-11-10T10:00:00Z", "2026-11-10T10:00:00Z", "2026-11-10T10:01:01.500Z"),
    leg("a1:STOP", "A", "+33612345678", "2026-11-10T10:00:00Z", "2026-11-10T10:00:00Z", "2026-11-10T10:01:01.500Z"),
    # A: an INTERIM then the STOP of one US leg (60/60): talk 125 s -> 180 s = 0.03; tax 0.006
    leg("a2:INTERIM", "A", "+12015550123", "2026-11-11T09:00:00Z", "2026-11-11T09:00:05Z", "2026-11-11T09:01:05Z",
        kind="INTERIM"),
    leg("a2:STOP", "A", "+12015550123", "2026-11-11T09:00:00Z", "2026-11-11T09:00:05Z", "2026-11-11T09:02:10Z"),
    # A: set up on the last second of November, answered in December: billed in 2026-11.
    # UK 30/6, talk 60 s -> 60 s = 0.073; tax 0.0146
    leg("a3:STOP", "A", "+442079460958", "2026-11-30T23:59:59Z", "2026-12-01T00:00:05Z", "2026-12-01T00:01:05Z"),
    # B: MT, answered 30 s: counted, never charged
    leg("b1:STOP", "B", "+442079460958", "2026-11-12T08:00:00Z", "2026-11-12T08:00:10Z", "2026-11-12T08:00:40Z",
        direction="MOBILE_TERMINATED"),
    # B: MO to a number no tariff prefix matches: a rating error, in no bill
    leg("b2:STOP", "B", "+6561234567", "2026-11-12T09:00:00Z", "2026-11-12T09:00:10Z", "2026-11-12T09:01:10Z"),
    # B: MO to premium rate, not answered: counted, 0 (no connect fee either)
    leg("b3:STOP", "B", "+19005550100", "2026-11-13T09:00:00Z", None, "2026-11-13T09:00:20Z", reason="NO_ANSWER"),
    # C (dialling from GB): service numbers, kept as dialled. 999 (emergency) talk 300 s: no
    # entry prices it, free (billable 300 at 1/1). 118118 (directory enquiries, GB:118 60/60):
    # talk 90 s -> 120 s = 2.00 + 2.45 x 2 = 6.90; tax 1.38. *97 (voicemail, a feature code)
    # talk 30 s: free. 8500, declared SERVICE (a PBX's own voicemail number), talk 20 s: free.
    leg("c1:STOP", "C", "999", "2026-11-14T10:00:00Z", "2026-11-14T10:00:02Z", "2026-11-14T10:05:02Z"),
    leg("c2:STOP", "C", "118118", "2026-11-14T11:00:00Z", "2026-11-14T11:00:05Z", "2026-11-14T11:01:35Z"),
    leg("c3:STOP", "C", "*97", "2026-11-14T12:00:00Z", "2026-11-14T12:00:01Z", "2026-11-14T12:00:31Z"),
    {**leg("c4:STOP", "C", "8500", "2026-11-14T13:00:00Z", "2026-11-14T13:00:01Z", "2026-11-14T13:00:21Z"),
     "calledParty": {"number": "8500", "numberType": "SERVICE", "destination": "GB"}},
]

ZERO = Decimal("0")
EXPECTED = {
    ("A", "2026-11", "EUR"): {"calls": 3, "answered_calls": 3, "talk_seconds": 62 + 125 + 60,
                       "billable_seconds": 62 + 180 + 60, "amount": Decimal("0.1154"),
                       "tax": Decimal("0.02308"), "total": Decimal("0.13848"), "voice_calls": 3,
                       "voice_amount": Decimal("0.1154"), "video_calls": 0, "video_amount": ZERO,
                       "conference_calls": 0, "conference_amount": ZERO},
    ("B", "2026-11", "EUR"): {"calls": 2, "answered_calls": 1, "talk_seconds": 30, "billable_seconds": 0,
                       "amount": ZERO, "tax": ZERO, "total": ZERO, "voice_calls": 2, "voice_amount": ZERO,
                       "video_calls": 0, "video_amount": ZERO, "conference_calls": 0, "conference_amount": ZERO},
    ("C", "2026-11", "EUR"): {"calls": 4, "answered_calls": 4, "talk_seconds": 300 + 90 + 30 + 20,
                       "billable_seconds": 300 + 120 + 30 + 20, "amount": Decimal("6.9"), "tax": Decimal("1.38"),
                       "total": Decimal("8.28"), "voice_calls": 4, "voice_amount": Decimal("6.9"), "video_calls": 0,
                       "video_amount": ZERO, "conference_calls": 0, "conference_amount": ZERO},
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("billing")
    (root / "tariff.csv").write_text(TARIFF)
    (root / "legs.jsonl").write_text("".join(json.dumps(record) + "\n" for record in LEGS))
    return root / "legs.jsonl", root / "tariff.csv"


@pytest.fixture(scope="module")
def replayed(files: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    cdrs, tariff = files
    out = tmp_path_factory.mktemp("billing-out")
    run_replay(cdrs, out, None, tariffs=tariff, tax_rate="0.2")
    return out


def test_job_bills_equal_the_hand_worked_values(replayed: Path) -> None:
    rows = pq.read_table(replayed / "billing_monthly").to_pylist()
    key = ("subscriber_id", "bill_month", "currency", "month_currency")
    assert {(r["subscriber_id"], r["bill_month"], r["currency"]): {k: v for k, v in r.items() if k not in key}
            for r in rows} == EXPECTED


def test_rated_calls_and_rating_errors(replayed: Path) -> None:
    rated = {r["record_id"]: r for r in pq.read_table(replayed / "rated_calls").to_pylist()}
    assert sorted(rated) == ["a1:STOP", "a2:STOP", "a3:STOP", "b1:STOP", "b3:STOP",  # once each, STOP only
                             "c1:STOP", "c2:STOP", "c3:STOP", "c4:STOP"]
    assert [(rated[r]["called_number"], rated[r]["tariff_prefix"], rated[r]["destination"], rated[r]["amount"])
            for r in ("c1:STOP", "c2:STOP", "c3:STOP", "c4:STOP")] == [
        ("999", "GB:", "service number (free)", ZERO),
        ("118118", "GB:118", "United Kingdom directory enquiries", Decimal("6.9")),
        ("*97", "GB:", "service number (free)", ZERO), ("8500", "GB:", "service number (free)", ZERO)]
    a3 = rated["a3:STOP"]
    assert (a3["bill_month"], a3["tariff_prefix"], a3["destination"], a3["billable_seconds"]) == (
        "2026-11", "44", "United Kingdom", 60)
    assert (a3["amount"], a3["tax"], a3["currency"]) == (Decimal("0.073"), Decimal("0.0146"), "EUR")
    # A single-tariff CSV rates as the default plan's deck: one band, in force since ever.
    assert (a3["plan"], a3["plan_assigned"], a3["plan_version"], a3["deck_version"], a3["bands"]) == (
        "default", False, "1970-01-01", "1970-01-01", "all")
    errors = pq.read_table(replayed / "rating_errors").to_pylist()
    assert [(e["record_id"], e["reason"]) for e in errors] == [("b2:STOP", "UNRATED_DESTINATION")]


def test_reconciliation_computes_the_same_by_itself(files: tuple[Path, Path]) -> None:
    cdrs, tariff = files
    billing = BillingConfig(tariffs=tariff_source(str(tariff)), tax_rate=Decimal("0.2"))
    expected = expected_bills(cdrs.read_text().splitlines(), billing)
    assert expected.bills == EXPECTED
    assert (expected.rated_legs, expected.unrated_legs) == (9, 1)


def test_reconciliation_command_passes_and_fails(files: tuple[Path, Path], replayed: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    cdrs, tariff = files
    args = ["--cdrs", str(cdrs), "--tariffs", str(tariff), "--tax-rate", "0.2"]
    assert reconcile_main([*args, "--replay-dir", str(replayed)]) == 0
    assert "Differences: 0" in capsys.readouterr().out
    # Alter one bill by a millionth: the reconciliation must say so and fail.
    table = pq.read_table(replayed / "billing_monthly")
    rows = table.to_pylist()
    rows[0]["amount"] += Decimal("0.000001")
    (tmp_path / "billing_monthly").mkdir()
    pq.write_table(table.from_pylist(rows, schema=table.schema), tmp_path / "billing_monthly" / "part.parquet")
    assert reconcile_main([*args, "--replay-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{rows[0]['subscriber_id']} 2026-11 EUR amount" in out and "Differences: 1" in out
