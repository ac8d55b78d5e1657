"""Route alarms through the job (a replay): a trunk that degrades for an hour alarms on its
busy routes, with the figures an independent count of the same CDRs gives; nothing else
alarms — not the healthy routes, and not a route too quiet to judge, degraded or not. The
streaming job raises the same alarms into DynamoDB from the same CDRs on Kinesis. The
dashboard's route-quality panel (API, and the page in headless Chromium) shows the degraded
routes first, with their alarms and figures equal to an independent count."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from dashboard.server import Dashboard, Settings
from dashboard.sources import replay_snapshot
from jobs.cdr_pipeline import run_replay, run_stream
from local.local_aws import LocalAws, Resources
from stream_io.kinesis_writer import put_stream
from synthetic.routes import Degradation
from synthetic.traffic import TrafficSpec, generate, to_json
from tests.expected import route_quality
from tests.integration.test_dashboard import OUTPUT, PAGE_SCRIPT, fetch

START = datetime(2026, 11, 2, tzinfo=UTC)
DEGRADED = Degradation("carrier-b", START + timedelta(hours=4), START + timedelta(hours=5))
SPEC = TrafficSpec(seed=7, calls=12_000, subscribers=800, hours=6, start=START, degradation=DEGRADED)
WINDOW_MINUTES = 30
MIN_ATTEMPTS = 20
ALARM_SETTINGS = {"PropertyGroupId": "CdrRouteAlarms", "PropertyMap": {
    "window.minutes": str(WINDOW_MINUTES), "min-attempts": str(MIN_ATTEMPTS)}}


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Path]:
    records = list(generate(SPEC))
    root = tmp_path_factory.mktemp("route_alarms")
    (root / "cdrs.jsonl").write_text("".join(to_json(r) + "\n" for r in records), encoding="utf-8")
    (root / "app.json").write_text(json.dumps([ALARM_SETTINGS]))
    run_replay(root / "cdrs.jsonl", root / "out", root / "app.json", fraud=True)
    alerts = pq.read_table(root / "out" / "fraud_alerts").to_pylist()
    return records, [a for a in alerts if a["rule"].startswith("ROUTE_")], root / "out"


def _window_of(alarm: dict[str, Any]) -> tuple[datetime, str, str, str]:
    destination, trunk, direction = alarm["subscriber_id"].split("/")
    return alarm["window_start"].astimezone(UTC).replace(tzinfo=None), destination, trunk, direction


def _degraded(window: datetime, trunk: str) -> bool:
    start = window.replace(tzinfo=UTC)
    return trunk == DEGRADED.trunk and DEGRADED.start <= start < DEGRADED.end


def test_the_degraded_trunk_alarms_on_every_busy_route_and_nothing_else_does(replayed: Any) -> None:
    records, alarms, _ = replayed
    figures = route_quality(records, window_minutes=WINDOW_MINUTES)
    raised = {(_window_of(a), a["rule"]) for a in alarms}
    # Every alarm is on the degraded trunk while it was degraded: no healthy route alarms.
    assert raised and all(_degraded(window[0], window[2]) for window, _ in raised)
    # Each busy route of the degraded trunk (judged: at least MIN_ATTEMPTS attempts) lost half
    # its calls at once: its NER drops alarm in both degraded windows (from ~95 % to ~45 %,
    # many standard errors), and ASR drops on the busiest ones.
    busy = {key for key, figure in figures.items() if _degraded(key[0], key[2]) and figure["attempts"] >= MIN_ATTEMPTS}
    assert len(busy) >= 4
    for key in busy:
        assert (key, "ROUTE_NER_DROP") in raised, key
    assert {key for key, rule in raised if rule == "ROUTE_ASR_DROP"}
    # The alarm's observed figure is the window's own, counted independently.
    for alarm in alarms:
        figure = figures[_window_of(alarm)]
        measure = {"ROUTE_ASR_DROP": "asr", "ROUTE_NER_DROP": "ner", "ROUTE_PDD_RISE": "pdd_mean_ms",
                   "ROUTE_POOR_MOS_RISE": "mos_poor_share"}[alarm["rule"]]
        assert float(alarm["observed"]) == pytest.approx(figure[measure], abs=1e-6)
        assert alarm["window_end"] - alarm["window_start"] == timedelta(minutes=WINDOW_MINUTES)


def test_a_route_too_quiet_to_judge_never_alarms_even_degraded(replayed: Any) -> None:
    records, alarms, _ = replayed
    figures = route_quality(records, window_minutes=WINDOW_MINUTES)
    quiet_degraded = [key for key, figure in figures.items()
                      if _degraded(key[0], key[2]) and figure["attempts"] < MIN_ATTEMPTS and figure["answered"] == 0]
    assert quiet_degraded  # e.g. a small destination on the degraded trunk: no call answered at all
    assert not {_window_of(a) for a in alarms} & set(quiet_degraded)
    assert all(figures[_window_of(a)]["attempts"] >= MIN_ATTEMPTS for a in alarms)


def _alarm_figures(alarm: dict[str, Any]) -> tuple[Any, ...]:
    """What an alarm says, as the replay's Parquet and the stream's DynamoDB item both hold it."""
    start = alarm["window_start"]
    start = datetime.fromisoformat(start.replace("Z", "+00:00")) if isinstance(start, str) else start
    return (start.astimezone(UTC), alarm["subscriber_id"], alarm["rule"], alarm["severity"],
            float(alarm["observed"]), float(alarm["threshold"]))


def test_streaming_raises_the_replays_route_alarms_into_dynamodb(replayed: Any, tmp_path: Path) -> None:
    records, alarms, _ = replayed
    resources = Resources(stream="cdr-routes", bucket="cdr-routes-archive", fraud_alerts_table="cdr_route_alarms",
                          timestream_database="cdr_routes")
    with LocalAws.start(resources) as aws:
        put_stream([to_json(record) for record in records], aws.kinesis, aws.resources.stream_arn, aggregate=True)
        properties = tmp_path / "app.json"
        properties.write_text(json.dumps([*aws.application_properties(bounded=True), ALARM_SETTINGS]))
        run_stream(properties)
        items = aws.scan(aws.resources.fraud_alerts_table)
    streamed = sorted(_alarm_figures(item) for item in items if item["rule"].startswith("ROUTE_"))
    # Each route's windows reach its alarms in event-time order in both modes (the stream by
    # the watermark, the replay sorted per route), so the baselines, and the alarms, agree.
    assert streamed and streamed == sorted(map(_alarm_figures, alarms))


def _hour_against_before(records: list[dict[str, Any]], hour: datetime) -> dict[str, dict[str, dict[str, Any]]]:
    """Per route label, the panel's figures over the legs that ended in `hour` ("now") and before it."""
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: {"now": [0.0] * 7, "baseline": [0.0] * 7})
    for (minute, destination, trunk, direction), f in route_quality(records).items():
        if minute >= hour + timedelta(hours=1):
            continue
        part = sums[f"{destination}/{trunk}/{direction}"]["now" if minute >= hour else "baseline"]
        poor = round((f["mos_poor_share"] or 0) * f["with_mos"])
        for i, value in enumerate((f["attempts"], f["answered"], f["effective"], f["rang"],
                                   (f["pdd_mean_ms"] or 0) * f["rang"], f["with_mos"], poor)):
            part[i] += value

    def figures(s: list[float]) -> dict[str, Any]:
        return {"attempts": int(s[0]), "asr": s[1] / s[0] if s[0] else None, "ner": s[2] / s[0] if s[0] else None,
                "pdd_ms": s[4] / s[3] if s[3] else None, "poor_mos": s[6] / s[5] if s[5] else None}

    return {route: {part: figures(values) for part, values in parts.items()} for route, parts in sums.items()}


def test_the_dashboard_shows_the_degraded_routes_first_with_their_alarms(replayed: Any, tmp_path: Path) -> None:
    records, alarms, out = replayed
    hour = DEGRADED.start.replace(tzinfo=None)
    expected = _hour_against_before(records, hour)
    with Dashboard(Settings(replay_snapshot(out)), port=0) as server:
        query = f"to={(hour + timedelta(hours=1)).isoformat(timespec='minutes')}"
        panel = fetch(f"{server.url}api/dashboard?{query}")["routes"]
        assert (panel["now_from"], panel["now_to"]) == ("2026-11-02T04:00:00Z", "2026-11-02T05:00:00Z")
        # Figures: the hour and the hours before, counted independently (4 decimals shown).
        for route in panel["routes"]:
            for part in ("now", "baseline"):
                for figure, value in expected[route["route"]][part].items():
                    shown = route[part][figure]
                    assert shown == (None if value is None else pytest.approx(value, abs=1e-4 if figure != "pdd_ms"
                                                                                else 0.5)), (route["route"], figure)
        # Worst first: the degraded trunk's routes that alarmed this hour lead, with their rules.
        alarmed = {alarm["subscriber_id"] for alarm in alarms}
        leading = [route for route in panel["routes"] if route["alarms"]]
        assert leading == panel["routes"][:len(leading)] and {r["route"] for r in leading} == alarmed
        assert all(route["trunk"] == DEGRADED.trunk for route in leading)
        assert all(set(route["alarms"]) >= {"ROUTE_NER_DROP"} for route in leading)
        assert any(cause["cause"] == 34 for cause in leading[0]["causes"])  # the degraded trunk's 503 / Q.850 34
        OUTPUT.mkdir(parents=True, exist_ok=True)
        page = subprocess.run(["node", str(PAGE_SCRIPT), f"{server.url}?{query}", str(OUTPUT / "route_quality.png")],
                              input="", capture_output=True, text=True, timeout=120, check=True)
    shown = json.loads(page.stdout.splitlines()[0])
    assert shown["errors"] == []
    rows = shown["panels"]["routes"]
    assert [row[0] for row in rows] == [route["route"] for route in panel["routes"]]
    assert shown["panels"]["alarmRoutes"] == [route["route"] for route in leading]
    first = leading[0]
    assert rows[0][2] == f"{first['now']['asr'] * 100:.1f} % ({first['baseline']['asr'] * 100:.1f} %)"
    assert rows[0][7] == ", ".join(first["alarms"])
    assert shown["panels"]["routesHour"] == "Last hour: 2026-11-02 04:00:00 to 2026-11-02 05:00:00 UTC."
