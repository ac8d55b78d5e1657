"""Route alarms through the job (a replay): a trunk that degrades for an hour alarms on its
busy routes, with the figures an independent count of the same CDRs gives; nothing else
alarms — not the healthy routes, and not a route too quiet to judge, degraded or not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow.parquet as pq
import pytest

from jobs.cdr_pipeline import run_replay
from synthetic.routes import Degradation
from synthetic.traffic import TrafficSpec, generate, to_json
from tests.expected import route_quality

START = datetime(2026, 11, 2, tzinfo=UTC)
DEGRADED = Degradation("carrier-b", START + timedelta(hours=4), START + timedelta(hours=5))
WINDOW_MINUTES = 30
MIN_ATTEMPTS = 20


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    records = list(generate(TrafficSpec(seed=7, calls=12_000, subscribers=800, hours=6, start=START,
                                        degradation=DEGRADED)))
    root = tmp_path_factory.mktemp("route_alarms")
    (root / "cdrs.jsonl").write_text("".join(to_json(r) + "\n" for r in records), encoding="utf-8")
    (root / "app.json").write_text(json.dumps([{"PropertyGroupId": "CdrRouteAlarms", "PropertyMap": {
        "window.minutes": str(WINDOW_MINUTES), "min-attempts": str(MIN_ATTEMPTS)}}]))
    run_replay(root / "cdrs.jsonl", root / "out", root / "app.json", fraud=True)
    alerts = pq.read_table(root / "out" / "fraud_alerts").to_pylist()
    return records, [a for a in alerts if a["rule"].startswith("ROUTE_")]


def _window_of(alarm: dict[str, Any]) -> tuple[datetime, str, str, str]:
    destination, trunk, direction = alarm["subscriber_id"].split("/")
    return alarm["window_start"].astimezone(UTC).replace(tzinfo=None), destination, trunk, direction


def _degraded(window: datetime, trunk: str) -> bool:
    start = window.replace(tzinfo=UTC)
    return trunk == DEGRADED.trunk and DEGRADED.start <= start < DEGRADED.end


def test_the_degraded_trunk_alarms_on_every_busy_route_and_nothing_else_does(replayed: Any) -> None:
    records, alarms = replayed
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
    records, alarms = replayed
    figures = route_quality(records, window_minutes=WINDOW_MINUTES)
    quiet_degraded = [key for key, figure in figures.items()
                      if _degraded(key[0], key[2]) and figure["attempts"] < MIN_ATTEMPTS and figure["answered"] == 0]
    assert quiet_degraded  # e.g. a small destination on the degraded trunk: no call answered at all
    assert not {_window_of(a) for a in alarms} & set(quiet_degraded)
    assert all(figures[_window_of(a)]["attempts"] >= MIN_ATTEMPTS for a in alarms)
