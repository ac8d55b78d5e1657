"""The dashboard over a replay's results. Its JSON equals figures computed here, independently,
from the same CDRs (tests/expected.py's per-hour usage and per-minute metrics, the Python
rating reference, the reconciliation's bills); the real page in headless Chromium shows every
panel with the expected top-10 names and the injected fraud alert, updates itself when the
results change, and leaves a screenshot in build/test-output/dashboard/."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import urllib.request
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard.server import Dashboard, Settings
from dashboard.sources import replay_snapshot
from domain.fraud import MAX_EVIDENCE
from jobs.cdr_pipeline import run_replay
from jobs.config import load_replay
from ops.reconcile import expected_bills
from synthetic.bad_records import BAD_RECORDS, BadRecord
from synthetic.fraud_scenarios import velocity_flood
from synthetic.traffic import TrafficSpec, subscriber_base, to_json
from tests.expected import final_legs, metrics_by_minute, usage_hourly

PAGE_SCRIPT = Path(__file__).with_name("dashboard_page.mjs")
OUTPUT = Path(__file__).resolve().parents[2] / "build" / "test-output" / "dashboard"
FLOOD_AT = datetime(2026, 11, 1, 3, 30, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
# The packaged plan, and 40 of the 300 subscribers on a plan in pounds: two currencies.
POUNDS = """  pounds:
    time_zone: UTC
    versions:
      - {valid_from: 1970-01-01, deck: default, currency: GBP, tax_rate: "0.2", rounding: up, decimals: 2}
"""


def _two_currencies(root: Path) -> Path:
    folder = root / "tariffs"
    shutil.copytree(ROOT / "tariffs", folder)
    (folder / "plans.yaml").write_text((folder / "plans.yaml").read_text(encoding="utf-8") + POUNDS, encoding="utf-8")
    (folder / "assignments.csv").write_text("subscriber_id,plan,valid_from\n" + "".join(
        f"sub-{n:06d},pounds,1970-01-01\n" for n in range(0, 300, 7)), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory, traffic: list[dict[str, Any]],
             mixed_lines: list[tuple[str, BadRecord | None]]) -> tuple[Path, list[str], list[dict[str, Any]]]:
    """The session's traffic and bad records plus one call flood, replayed with fraud detection."""
    flood = velocity_flood(subscriber_base(TrafficSpec(seed=1))[0], "flood-dash", FLOOD_AT)
    lines = [line for line, _ in mixed_lines] + [to_json(record) for record in flood]
    root = tmp_path_factory.mktemp("dashboard")
    (root / "cdrs.jsonl").write_text("".join(line + "\n" for line in lines))
    run_replay(root / "cdrs.jsonl", root / "out", None, fraud=True, tariffs=_two_currencies(root))
    return root / "out", lines, traffic + flood


def fetch(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:
        result: dict[str, Any] = json.load(response)
        return result


def ranked(values: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(((who, value) for who, value in values.items() if value > 0), key=lambda i: (-i[1], i[0]))[:10]


def test_the_api_equals_the_independent_computation(replayed: Any) -> None:
    out, lines, records = replayed
    billing = load_replay(None).with_billing(out.parent / "tariffs", None).billing
    usage = {(who, hour.replace(tzinfo=UTC)): figures for (who, hour), figures in usage_hourly(records).items()}
    spend: dict[tuple[str, datetime, str], Decimal] = defaultdict(Decimal)
    revenue: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for leg in final_legs(records):
        rating = leg.rated(billing.book)
        if rating.error is None:
            hour = leg.end.replace(minute=0, second=0, microsecond=0)
            spend[(leg.subscriber, hour, rating.currency)] += rating.amount
            revenue[leg.record["calledParty"].get("destination") or "ZZ"][rating.currency] += rating.amount
    current = max(hour for _, hour in usage)
    periods = {"hour": lambda h: h == current, "day": lambda h: h.date() == current.date(),
               "month": lambda h: (h.year, h.month) == (current.year, current.month)}
    bills = expected_bills(lines, billing).bills

    with Dashboard(Settings(replay_snapshot(out)), port=0) as server:
        figures = fetch(server.url + "api/dashboard")

    assert figures["current_hour"] == current.isoformat().replace("+00:00", "Z")
    for period, chosen in periods.items():
        talk: Counter[str] = Counter()
        data: Counter[str] = Counter()
        for (who, hour), row in usage.items():
            if chosen(hour):
                talk[who] += row["talk_seconds"]
                data[who] += row["bytes_sent"] + row["bytes_received"]
        period_spend: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        if period == "month":
            for (who, month, currency), bill in bills.items():
                if month == f"{current:%Y-%m}":
                    period_spend[currency][who] += bill["total"]
        else:
            for (who, hour, currency), amount in spend.items():
                if chosen(hour):
                    period_spend[currency][who] += amount
        top = figures["top"]
        assert [(r["subscriber"], r["value"]) for r in top["talk_seconds"][period]] == ranked(talk), period
        assert [(r["subscriber"], r["value"]) for r in top["data_bytes"][period]] == ranked(data), period
        assert period == "hour" or set(period_spend) == {"EUR", "GBP"}, period  # the last hour is quiet
        assert [(r["currency"], r["subscriber"], Decimal(r["value"])) for r in top["spend"][period]] == [
            (currency, *entry) for currency in sorted(period_spend) for entry in ranked(period_spend[currency])], period
    assert len(figures["top"]["talk_seconds"]["month"]) == 10

    minutes = metrics_by_minute(records)
    per_hour = [[0, 0] for _ in range(24)]
    countries: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (minute, country, _, _), row in minutes.items():
        per_hour[minute.hour][0] += row["answered"]
        per_hour[minute.hour][1] += row["attempts"] - row["answered"]
        for index, figure in enumerate(("attempts", "answered", "talk_seconds")):
            countries[country][index] += row[figure]
    assert [(r["answered"], r["unanswered"]) for r in figures["calls_per_hour_of_day"]] == [tuple(h) for h in per_hour]
    assert sum(r["answered"] + r["unanswered"] for r in figures["calls_per_minute"]) == sum(
        row["attempts"] for row in minutes.values())
    assert {r["country"]: (r["attempts"], r["answered"], r["asr"], r["acd_seconds"],
                           {currency: Decimal(amount) for currency, amount in r["revenue"].items()})
            for r in figures["destinations"]} == {
        country: (attempts, answered, round(answered / attempts, 4), round(talk / answered, 1) if answered else None,
                  dict(revenue[country])) for country, (attempts, answered, talk) in countries.items()}
    assert sum("GBP" in r["revenue"] and "EUR" in r["revenue"] for r in figures["destinations"]) > 5

    flood_alert = hashlib.sha256(f"flood-dash|VELOCITY|{int(FLOOD_AT.timestamp() * 1000)}".encode()).hexdigest()[:32]
    alerts = figures["alerts"]
    assert flood_alert in {alert["alert_id"] for alert in alerts}
    newest_first = sorted((alert["detected_at"] for alert in alerts), reverse=True)
    assert [alert["detected_at"] for alert in alerts] == newest_first

    health = figures["health"]
    assert sum(row["records_in"] for row in health["records_per_minute"]) == len(lines)
    assert sum(row["rejected"] for row in health["records_per_minute"]) == len(BAD_RECORDS)
    dead: Counter[str] = Counter()
    for minute in health["dead_letters_per_minute"]:
        dead.update(minute["by_reason"])
    assert dead == Counter(str(bad.reason) for bad in BAD_RECORDS)
    assert health["lag_ms"] is None  # a replay is behind no stream


def test_the_page_in_headless_chromium(replayed: Any, tmp_path: Path) -> None:
    out, _, _ = replayed
    flood_alert = hashlib.sha256(f"flood-dash|VELOCITY|{int(FLOOD_AT.timestamp() * 1000)}".encode()).hexdigest()[:32]
    # velocity_flood's 12 attempts; an alert keeps the latest MAX_EVIDENCE (10) as evidence
    flood_calls = {f"flood-dash-{attempt:02d}" for attempt in range(12 - MAX_EVIDENCE, 12)}
    live = tmp_path / "out"
    shutil.copytree(out, live)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    screenshot = OUTPUT / "dashboard.png"
    with Dashboard(Settings(replay_snapshot(live)), port=0) as server:
        expected = fetch(server.url + "api/dashboard")
        # Opened as a notification's link opens it: the flood's alert is shown whole and its row marked.
        page = subprocess.Popen(["node", str(PAGE_SCRIPT), f"{server.url}?period=month#alert={flood_alert}",
                                 str(screenshot)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert page.stdout is not None and page.stdin is not None
            shown = json.loads(page.stdout.readline())
            panels = shown["panels"]
            assert shown["errors"] == []
            for measure in ("talk_seconds", "data_bytes", "spend"):
                assert panels["top"][measure] == [r["subscriber"] for r in expected["top"][measure]["month"]]
                assert len(panels["top"][measure]) == (20 if measure == "spend" else 10)  # spend: 10 per currency
            assert panels["spend"] == [f"{r['value']} {r['currency']}" for r in expected["top"]["spend"]["month"]]
            assert panels["destinations"] == [r["country"] for r in expected["destinations"]][:15]
            assert panels["revenue"] == [" · ".join(f"{amount} {currency}" for currency, amount in r["revenue"].items())
                                         or "0" for r in expected["destinations"]][:15]
            assert any(row[2] == "VELOCITY" and row[3] == "flood-dash" for row in panels["alerts"])
            assert [row[2:4] for row in panels["selectedRows"]] == [["VELOCITY", "flood-dash"]]
            heading, _, status, calls = panels["selected"]
            assert heading.endswith("VELOCITY — subscriber flood-dash")
            assert status == f"Status: OPEN. Alert {flood_alert}."
            listed = calls.split(": ", 1)[1].split(", ")
            assert calls.startswith(f"Calls ({MAX_EVIDENCE}):") and set(listed) == flood_calls
            assert all(chart is not None and chart["points"] > 0 for name, chart in panels["charts"].items()), \
                panels["charts"]
            assert screenshot.stat().st_size > 50_000
            # A new hour of usage lands in the results: the open page shows it without a reload.
            table = pq.read_table(live / "usage_hourly")
            current = datetime.fromisoformat(expected["current_hour"].replace("Z", "+00:00"))
            row = {name: None for name in table.schema.names} | {
                "subscriber_id": "zz-live", "window_start": current.replace(tzinfo=None) + timedelta(hours=1),
                "talk_seconds": 10**7, "calls": 1, "bytes_sent": 0, "bytes_received": 0}
            pq.write_table(pa.Table.from_pylist([row], schema=table.schema), live / "usage_hourly" / "live.parquet")
            page.stdin.write("zz-live\n")
            page.stdin.flush()
            assert json.loads(page.stdout.readline())["appeared"] == "zz-live"
        finally:
            page.kill()
            page.wait()
