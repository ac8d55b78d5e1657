"""Rerating a billed month (ops/rerate.py): the live bills plus the adjustments it writes equal
the month rated again by the Python reference (ops.reconcile), in a replay's folder and beside
a running streaming job that keeps billing late legs of the month."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from jobs.cdr_pipeline import run_replay
from jobs.config import load_replay
from local.local_aws import LocalAws, Resources
from ops import rerate
from ops.reconcile import dynamodb_bills, expected_bills, replay_bills
from stream_io.kinesis_writer import put_stream
from synthetic.bad_records import GOOD
from synthetic.traffic import TrafficSpec, generate, subscriber_base, to_json
from tests.integration.checkpointed_job import run_checkpointed
from tests.integration.tariff_probe import DECK as PROBED_DECK
from tests.integration.tariff_probe import Prober, probe_folder

ROOT = Path(__file__).resolve().parents[2]
MONTH = "2026-11"
FIGURES = ("calls", "billable_seconds", "amount", "tax", "total")
# 600 calls from 30 November 18:00 to 1 December 06:00 UTC: two months, December's left alone.
SPEC = TrafficSpec(seed=20261202, calls=600, subscribers=60, start=datetime(2026, 11, 30, 18, tzinfo=UTC), hours=12)
DECK = (ROOT / "tariffs" / "decks" / "default" / "1970-01-01.csv").read_text(encoding="utf-8")
PLANS = """default_plan: default
plans:
  default:
    time_zone: UTC
    versions:
      - {valid_from: 1970-01-01, deck: default, currency: EUR, tax_rate: "0", rounding: half_up, decimals: 6}
      - {valid_from: 2026-11-15, deck: default, currency: EUR, tax_rate: "0.2", rounding: half_up, decimals: 6}
  pounds:
    time_zone: UTC
    versions:
      - {valid_from: 2026-01-01, deck: default, currency: GBP, tax_rate: "0", rounding: up, decimals: 2}
"""


def _without(deck: str, *prefixes: str) -> str:
    return "".join(line for line in deck.splitlines(keepends=True) if line.split(",")[0] not in prefixes)


def _folder(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


GERMANY = ("49", "4915", "4916", "4917", "49900")
# As billed: the packaged deck without Germany (German legs unrated), no tax.
BILLED = {"plans.yaml": (ROOT / "tariffs" / "plans.yaml").read_text(encoding="utf-8"),
          "decks/default/1970-01-01.csv": _without(DECK, *GERMANY)}
# The correction: from the 15th a 20 % tax and the whole deck (Germany back, the UK at twice
# the rate); five subscribers moved on the 30th to a plan in pounds.
UK = "44,United Kingdom,0.0100,0,1,1"
CORRECTED = {
    "plans.yaml": PLANS,
    "decks/default/1970-01-01.csv": _without(DECK, *GERMANY),
    "decks/default/2026-11-15.csv": DECK.replace(UK, "44,United Kingdom,0.0200,0,1,1"),
    "assignments.csv": "subscriber_id,plan,valid_from\n" + "".join(
        f"{subscriber.subscriber_id},pounds,2026-11-30\n" for subscriber in subscriber_base(SPEC)[1:6]),
}


def _figures(bill: Mapping[str, Any] | None) -> tuple[Any, ...]:
    if bill is None:
        return (0, 0, Decimal(0), Decimal(0), Decimal(0))
    return (int(bill["calls"]), int(bill["billable_seconds"]),
            *(Decimal(str(bill[figure])) for figure in ("amount", "tax", "total")))


def _corrected(bills: Mapping[Any, Mapping[str, Any]], rows: list[Mapping[str, Any]]) -> dict[Any, tuple[Any, ...]]:
    """Each bill of the month plus its adjustment; a bill left with no call is no bill."""
    corrected = {key: list(_figures(bill)) for key, bill in bills.items() if key[1] == MONTH}
    for row in rows:
        figures = corrected.setdefault((row["subscriber_id"], row["bill_month"], row["currency"]),
                                       list(_figures(None)))
        for i, name in enumerate(("calls_difference", "billable_seconds_difference", "amount_difference",
                                  "tax_difference", "total_difference")):
            figures[i] += Decimal(str(row[name])) if i >= 2 else int(row[name])
    return {key: tuple(figures) for key, figures in corrected.items() if figures[0] != 0}


def _rerated(lines: list[str], tariffs: Path) -> dict[Any, tuple[Any, ...]]:
    """The month rated again, independently: the Python reference over the CDR lines."""
    billing = load_replay(None).with_billing(tariffs, None).billing
    return {key: _figures(bill) for key, bill in expected_bills(lines, billing).bills.items() if key[1] == MONTH}


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return [to_json(record) for record in generate(SPEC)]


def test_rerating_a_replayed_month(lines: list[str], tmp_path: Path) -> None:
    billed, corrected = _folder(tmp_path / "billed", BILLED), _folder(tmp_path / "corrected", CORRECTED)
    cdrs, out = tmp_path / "cdrs.jsonl", tmp_path / "out"
    cdrs.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    run_replay(cdrs, out, None, archive=True, tariffs=billed)
    bills = replay_bills(out)
    adjustments = out / "billing_adjustments" / f"{MONTH}.parquet"

    def run(tariffs: Path) -> int:
        return rerate.main(["--month", MONTH, "--archive", str(out / "cdr_archive"), "--tariffs", str(tariffs),
                            "--reason", "tax from the 15th", "--replay-dir", str(out)])

    assert run(corrected) == 0
    rows = pq.read_table(adjustments).to_pylist()
    want = _rerated(lines, corrected)
    assert _corrected(bills, rows) == want
    # The correction is real: legs priced anew (Germany), bills moved to pounds, a tax added.
    assert {row["currency"] for row in rows} == {"EUR", "GBP"} and any(row["calls_difference"] > 0 for row in rows)
    assert want != {key: _figures(bill) for key, bill in bills.items() if key[1] == MONTH}
    assert all(row["bill_month"] == MONTH and row["reason"] == "tax from the 15th" for row in rows)
    assert all(row["corrected_total"] == (row["billed_total"] or 0) + row["total_difference"] for row in rows)
    # Tariffs that would leave legs billed before without a price are refused; nothing changes.
    written = adjustments.read_bytes()
    refused = _folder(tmp_path / "refused", {**BILLED, "decks/default/1970-01-01.csv": _without(DECK, "1", *GERMANY)})
    assert run(refused) == 1
    assert adjustments.read_bytes() == written
    # Rerating under the tariffs it was billed by: every earlier adjustment now zero, so each bill
    # is again just as billed.
    assert run(billed) == 0
    again = pq.read_table(adjustments).to_pylist()
    assert {(r["subscriber_id"], r["month_currency"]) for r in again} == {
        (r["subscriber_id"], r["month_currency"]) for r in rows}
    assert all((r["calls_difference"], r["total_difference"]) == (0, 0) for r in again)
    assert _corrected(bills, again) == {key: _figures(bill) for key, bill in bills.items() if key[1] == MONTH}


def _late_legs(count: int) -> list[str]:
    """Answered two-minute calls to France on 20 November, sent after the rerating."""
    out = []
    for n in range(count):
        start = datetime(2026, 11, 20, 9, tzinfo=UTC) + timedelta(minutes=n)
        call = copy.deepcopy(GOOD)
        call.update(recordId=f"late-{n}:STOP", callId=f"late-{n}", startTime=start.isoformat(),
                    answerTime=(start + timedelta(seconds=3)).isoformat(),
                    endTime=(start + timedelta(seconds=123)).isoformat(), duration=123)
        call["callingParty"]["subscriberId"] = f"late-{n % 3}"
        out.append(to_json(call))
    return out


def test_rerating_beside_a_running_job(tmp_path: Path) -> None:
    """The job bills at 0.10 a minute; the folder is corrected to 0.20 (the job takes it); the
    month is rerated from the archive; late legs keep arriving and the job bills them at 0.20.
    Each bill plus its adjustment is then the whole month at 0.20."""
    folder = tmp_path / "tariffs"
    deck = probe_folder(folder, "0.10")
    early = [to_json(record) for record in generate(TrafficSpec(
        seed=3, calls=150, subscribers=20, start=datetime(2026, 11, 10, tzinfo=UTC), hours=2))]
    with LocalAws.start(Resources(stream="cdr-rerate", bucket="cdr-rerate-archive")) as aws:
        groups = aws.application_properties(bounded=False)
        for group in groups:
            if group["PropertyGroupId"] == "CdrBilling":
                group["PropertyMap"] = {"tariffs": folder.as_uri(), "tariffs.reload.seconds": "1"}
        properties = tmp_path / "live.json"
        properties.write_text(json.dumps(groups), encoding="utf-8")
        job = run_checkpointed(properties, tmp_path / "checkpoints", flink_settings={"parallelism.default": "1"})
        try:
            put_stream(early, aws.kinesis, aws.resources.stream_arn)
            probe = Prober(aws)
            assert probe.price() == Decimal("0.10")  # the early traffic is ahead of it on the stream
            deck.write_text(PROBED_DECK.format(rate="0.20"), encoding="utf-8")
            probe.prices_until(Decimal("0.20"), 1)
            before = early + probe.lines
            _wait_archived(aws, before)
            archive = f"s3://{aws.resources.bucket}/{aws.resources.archive_prefix}"  # read where it lies
            assert rerate.main(["--month", MONTH, "--archive", archive, "--s3-endpoint", aws.moto_endpoint,
                                "--tariffs", str(folder),
                                "--reason", "France at 0.20", "--dynamodb-table", aws.resources.billing_monthly_table,
                                "--adjustments-table", aws.resources.billing_adjustments_table,
                                "--endpoint", aws.dynamodb_endpoint, "--properties", str(properties)]) == 0
            rows = aws.scan(aws.resources.billing_adjustments_table)
            assert rows and all(row["reason"] == "France at 0.20" for row in rows)
            late = _late_legs(6)
            put_stream(late, aws.kinesis, aws.resources.stream_arn)
            want = _rerated(before + late, folder)
            deadline = time.monotonic() + 90
            while (got := _corrected(dynamodb_bills(aws.dynamodb, aws.resources.billing_monthly_table), rows)) != want:
                assert time.monotonic() < deadline, {k: (got.get(k), want.get(k)) for k in set(got) | set(want)
                                                     if got.get(k) != want.get(k)}
                time.sleep(1)
        finally:
            job.get_job_client().cancel().result()


def _wait_archived(aws: LocalAws, lines: list[str]) -> None:
    """Waits until the archive holds every final leg of `lines` (its files are committed at checkpoints)."""
    wanted = {json.loads(line)["recordId"] for line in lines if json.loads(line)["recordType"] == "STOP"}
    deadline = time.monotonic() + 90
    while True:
        try:
            table = aws.s3_dataset(aws.resources.archive_prefix).to_table(columns=["record_id", "record_type"])
            ids = {r for r, kind in zip(table.column("record_id").to_pylist(), table.column("record_type").to_pylist(),
                                        strict=True) if kind == "STOP"}
        except (OSError, ValueError):  # no file yet
            ids = set()
        if wanted <= ids:
            return
        assert time.monotonic() < deadline, f"{len(wanted - ids)} final legs not archived in 90 s"
        time.sleep(1)
