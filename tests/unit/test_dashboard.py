"""The dashboard's figures from hand-built result rows, and the server's access rules."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard.figures import Filters, Tables, dashboard
from dashboard.server import Dashboard, Settings, parse_filters
from dashboard.sources import Snapshot, normalise, replay_snapshot


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def usage(subscriber: str, hour: str, talk: int, sent: int = 0, spend: str = "0",
          currency: str | None = "EUR") -> dict:
    return {"subscriber_id": subscriber, "window_start": hour, "talk_seconds": talk, "bytes_sent": sent,
            "bytes_received": 0, "calls": 1, "spend": spend, "spend_currency": currency}


def metric(minute: str, country: str, attempts: int, answered: int, talk: int, revenue: str,
           currency: str | None = "EUR") -> dict:
    return {"minute_start": minute, "destination_country": country, "direction": "MOBILE_ORIGINATED",
            "call_type": "VOICE", "currency": currency, "attempts": attempts, "answered": answered,
            "talk_seconds": talk, "revenue": revenue, "fraud_alerts": 0}


def tables(**overrides: list[dict]) -> Tables:
    rows = {"usage_hourly": [], "billing_monthly": [], "metrics_minutely": [], "fraud_alerts": [],
            "pipeline_minutely": [], "dead_letters": []} | overrides
    return Tables(**{table: normalise(table, table_rows) for table, table_rows in rows.items()})


NOW = at("2026-11-26T12:00:00")


def test_top_lists_are_per_period_of_the_newest_hour_and_ranked_by_value_then_name() -> None:
    rows = [usage("ann", "2026-11-26T10:00:00", 600, spend="1.5"), usage("bob", "2026-11-26T10:00:00", 600),
            usage("cat", "2026-11-26T09:00:00", 900, sent=5_000_000), usage("ann", "2026-11-25T23:00:00", 3600),
            usage("dan", "2026-10-31T23:00:00", 99_999)]  # last month: not in any current period
    bills = [{"subscriber_id": "ann", "bill_month": "2026-11", "currency": "EUR", "calls": 3, "amount": "2",
              "tax": "0.4", "total": "2.4"},
             {"subscriber_id": "dan", "bill_month": "2026-10", "currency": "EUR", "total": "50"}]
    top = dashboard(tables(usage_hourly=rows, billing_monthly=bills), Filters(), NOW)["top"]
    assert top["talk_seconds"]["hour"] == [{"subscriber": "ann", "value": 600}, {"subscriber": "bob", "value": 600}]
    assert top["talk_seconds"]["day"] == [{"subscriber": "cat", "value": 900}, {"subscriber": "ann", "value": 600},
                                          {"subscriber": "bob", "value": 600}]
    assert top["talk_seconds"]["month"][0] == {"subscriber": "ann", "value": 4200}
    assert top["data_bytes"]["day"] == [{"subscriber": "cat", "value": 5_000_000}]
    assert top["spend"]["hour"] == [{"subscriber": "ann", "value": "1.5", "currency": "EUR"}]
    assert top["spend"]["month"] == [{"subscriber": "ann", "value": "2.4", "currency": "EUR"}]  # the bill, exact
    # The end of the time range moves "current" back: October's last hour.
    october = dashboard(tables(usage_hourly=rows, billing_monthly=bills), Filters(end=at("2026-11-01T00:00")), NOW)
    assert october["current_hour"] == "2026-10-31T23:00:00Z"
    assert october["top"]["spend"]["month"] == [{"subscriber": "dan", "value": "50", "currency": "EUR"}]
    assert dashboard(tables(usage_hourly=rows), Filters(subscriber="bob"), NOW)["top"]["talk_seconds"]["day"] == [
        {"subscriber": "bob", "value": 600}]


def test_per_minute_panels_asr_acd_and_revenue() -> None:
    rows = [metric("2026-11-26T10:00:00", "GB", 10, 7, 700, "1.10"), metric("2026-11-26T10:00:00", "FR", 4, 1, 30, "2"),
            metric("2026-11-26T10:01:00", "GB", 5, 3, 200, "0.40"), metric("2026-11-26T13:05:00", "GB", 2, 2, 20, "0")]
    figures = dashboard(tables(metrics_minutely=rows), Filters(end=at("2026-11-26T11:00")), NOW)
    assert figures["calls_per_minute"] == [{"minute": "2026-11-26T10:00:00Z", "answered": 8, "unanswered": 6},
                                           {"minute": "2026-11-26T10:01:00Z", "answered": 3, "unanswered": 2}]
    assert figures["calls_per_hour_of_day"][10] == {"hour": 10, "answered": 11, "unanswered": 8}
    assert figures["calls_per_hour_of_day"][13] == {"hour": 13, "answered": 0, "unanswered": 0}  # after the range
    assert figures["destinations"] == [
        {"country": "GB", "attempts": 15, "answered": 10, "asr": 0.6667, "acd_seconds": 90.0,
         "revenue": {"EUR": "1.50"}},
        {"country": "FR", "attempts": 4, "answered": 1, "asr": 0.25, "acd_seconds": 30.0, "revenue": {"EUR": "2"}}]
    only_fr = dashboard(tables(metrics_minutely=rows), Filters(country="FR"), NOW)
    assert [row["country"] for row in only_fr["destinations"]] == ["FR"]


def test_money_is_never_added_across_currencies() -> None:
    rows = [usage("ann", "2026-11-26T10:00:00", 60, spend="3", currency="GBP"),
            usage("bob", "2026-11-26T10:00:00", 60, spend="2"), usage("cat", "2026-11-26T10:00:00", 60, spend="1"),
            usage("dan", "2026-11-26T10:00:00", 60, spend="9", currency=None)]  # two currencies in the hour
    bills = [{"subscriber_id": who, "bill_month": "2026-11", "currency": currency, "total": total}
             for who, currency, total in (("ann", "GBP", "3"), ("ann", "EUR", "0.5"), ("bob", "EUR", "2"))]
    minutes = [metric("2026-11-26T10:00:00", "GB", 3, 3, 180, "1.10"),
               metric("2026-11-26T10:00:00", "GB", 2, 1, 60, "0.25", "GBP"),
               metric("2026-11-26T10:01:00", "GB", 1, 1, 60, "0.15", "GBP"),
               metric("2026-11-26T10:01:00", "GB", 0, 0, 0, "0", None)]  # only a fraud alert
    figures = dashboard(tables(usage_hourly=rows, billing_monthly=bills, metrics_minutely=minutes), Filters(), NOW)
    assert figures["top"]["spend"]["hour"] == [
        {"subscriber": "bob", "value": "2", "currency": "EUR"}, {"subscriber": "cat", "value": "1", "currency": "EUR"},
        {"subscriber": "ann", "value": "3", "currency": "GBP"}]
    month = [(r["currency"], r["subscriber"], r["value"]) for r in figures["top"]["spend"]["month"]]
    assert month == [("EUR", "bob", "2"), ("EUR", "ann", "0.5"), ("GBP", "ann", "3")]
    assert figures["destinations"][0]["revenue"] == {"EUR": "1.10", "GBP": "0.40"}


def test_alerts_newest_first_within_the_range_and_for_the_subscriber() -> None:
    def alert(alert_id: str, subscriber: str, detected: str) -> dict:
        return {"alert_id": alert_id, "subscriber_id": subscriber, "rule": "VELOCITY", "severity": "WARNING",
                "detected_at": detected, "observed": Decimal("12"), "threshold": Decimal("12"),
                "evidence_call_ids": ["c1", "c2"]}

    rows = [alert("a", "ann", "2026-11-26T10:00:00"), alert("b", "bob", "2026-11-26T10:05:00"),
            alert("c", "ann", "2026-11-26T09:00:00")]
    figures = dashboard(tables(fraud_alerts=rows), Filters(start=at("2026-11-26T09:30")), NOW)
    assert [a["alert_id"] for a in figures["alerts"]] == ["b", "a"]
    assert figures["alerts"][0] == {"alert_id": "b", "detected_at": "2026-11-26T10:05:00Z", "rule": "VELOCITY",
                                    "severity": "WARNING", "subscriber": "bob", "observed": "12",
                                    "threshold": "12", "evidence": ["c1", "c2"], "status": "OPEN",
                                    "status_by": None, "status_at": None}
    assert [a["alert_id"] for a in dashboard(tables(fraud_alerts=rows), Filters(subscriber="ann"), NOW)["alerts"]] \
        == ["a", "c"]


def test_alerts_carry_the_fraud_desks_status_and_false_positives_are_counted_per_rule() -> None:
    def alert(alert_id: str, rule: str) -> dict:
        return {"alert_id": alert_id, "subscriber_id": "ann", "rule": rule, "severity": "WARNING",
                "detected_at": "2026-11-26T10:00:00", "observed": Decimal("12"), "threshold": Decimal("12"),
                "evidence_call_ids": []}

    def status(alert_id: str, value: str) -> dict:
        return {"alert_id": alert_id, "status": value, "changed_by": "alice", "changed_at": "2026-11-26T11:00:00Z"}

    rows = [alert("a", "VELOCITY"), alert("b", "VELOCITY"), alert("c", "VELOCITY"), alert("d", "WANGIRI")]
    marks = [status("a", "FALSE_POSITIVE"), status("b", "RESOLVED"), status("c", "ACKNOWLEDGED")]
    figures = dashboard(tables(fraud_alerts=rows, fraud_alert_status=marks), Filters(), NOW)
    assert {a["alert_id"]: (a["status"], a["status_by"], a["status_at"]) for a in figures["alerts"]} == {
        "a": ("FALSE_POSITIVE", "alice", "2026-11-26T11:00:00Z"), "b": ("RESOLVED", "alice", "2026-11-26T11:00:00Z"),
        "c": ("ACKNOWLEDGED", "alice", "2026-11-26T11:00:00Z"), "d": ("OPEN", None, None)}
    assert figures["alert_marks"] == [{"rule": "VELOCITY", "alerts": 3, "reviewed": 2, "false_positives": 1},
                                      {"rule": "WANGIRI", "alerts": 1, "reviewed": 0, "false_positives": 0}]


def test_the_alert_a_link_names_is_shown_whole_whatever_the_filters() -> None:
    def alert(alert_id: str, detected: str) -> dict:
        return {"alert_id": alert_id, "subscriber_id": "ann", "rule": "RUNNING_COST", "severity": "CRITICAL",
                "detected_at": detected, "window_start": "2026-11-20T07:00:00", "window_end": "2026-11-20T08:30:00",
                "observed": Decimal("80.5"), "threshold": Decimal("75"),
                "evidence_call_ids": [f"c{n}" for n in range(5)]}

    rows = [alert("old", "2026-11-20T08:30:00")] + [alert(f"new{n}", f"2026-11-26T10:{n:02d}:00") for n in range(25)]
    status = {"alert_id": "old", "status": "ACKNOWLEDGED", "changed_by": "alice", "changed_at": "2026-11-26T11:00:00Z"}
    figures = dashboard(tables(fraud_alerts=rows, fraud_alert_status=[status]),
                        Filters(start=at("2026-11-26T00:00"), subscriber="bob", alert_id="old"), NOW)
    assert figures["alerts"] == []  # the filters leave no alert in the list ...
    assert figures["selected_alert"] == {  # ... and the linked one is there, whole
        "alert_id": "old", "found": True, "detected_at": "2026-11-20T08:30:00Z", "rule": "RUNNING_COST",
        "severity": "CRITICAL", "subscriber": "ann", "observed": "80.5", "threshold": "75",
        "evidence": ["c0", "c1", "c2", "c3", "c4"], "status": "ACKNOWLEDGED", "status_by": "alice",
        "status_at": "2026-11-26T11:00:00Z", "window_start": "2026-11-20T07:00:00Z",
        "window_end": "2026-11-20T08:30:00Z"}
    assert dashboard(tables(fraud_alerts=rows), Filters(alert_id="gone"), NOW)["selected_alert"] == {
        "alert_id": "gone", "found": False}
    assert dashboard(tables(fraud_alerts=rows), Filters(), NOW)["selected_alert"] is None


def test_health_counts_records_and_dead_letters_by_reason_per_minute() -> None:
    pipeline = [{"minute_start": "2026-11-26T10:00:00", "records_in": 120, "rejected": 2, "max_lag_ms": 900},
                {"minute_start": "2026-11-26T10:01:00", "records_in": 80, "rejected": 1, "max_lag_ms": 450}]
    dead = [{"reason": "BAD_JSON", "ingest_time": "2026-11-26T10:00:12.5"},
            {"reason": "MISSING_FIELD", "ingest_time": "2026-11-26T10:00:40"},
            {"reason": "BAD_JSON", "ingest_time": "2026-11-26T10:01:59"}]
    health = dashboard(tables(pipeline_minutely=pipeline, dead_letters=dead), Filters(), NOW)["health"]
    assert health["records_per_minute"][1] == {"minute": "2026-11-26T10:01:00Z", "records_in": 80, "rejected": 1}
    assert health["dead_letters_per_minute"] == [
        {"minute": "2026-11-26T10:00:00Z", "by_reason": {"BAD_JSON": 1, "MISSING_FIELD": 1}},
        {"minute": "2026-11-26T10:01:00Z", "by_reason": {"BAD_JSON": 1}}]
    assert (health["lag_ms"], health["last_read_minute"]) == (450, "2026-11-26T10:01:00Z")


def test_filters_from_the_query() -> None:
    filters = parse_filters({"from": ["2026-11-26T10:00"], "to": ["2026-11-26T12:00:00+01:00"], "country": ["gb"],
                             "subscriber": [" "], "alert": ["a1b2"]})
    assert filters == Filters(at("2026-11-26T10:00"), at("2026-11-26T11:00"), None, "GB", "a1b2")
    with pytest.raises(ValueError):
        parse_filters({"from": ["yesterday"]})


def serve(token: str | None = None) -> Dashboard:
    snapshot = Snapshot(lambda table: [usage("ann", "2026-11-26T10:00:00", 60)] if table == "usage_hourly" else [])
    return Dashboard(Settings(snapshot, token, lambda: NOW), port=0)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_api_serves_the_figures_and_a_token_guards_it(capsys: pytest.CaptureFixture[str]) -> None:
    with serve() as open_server:
        status, body = get(open_server.url + "api/dashboard?subscriber=ann")
        assert status == 200 and json.loads(body)["top"]["talk_seconds"]["hour"] == [{"subscriber": "ann",
                                                                                     "value": 60}]
        assert get(open_server.url + "api/dashboard?from=never")[0] == 400
        assert get(open_server.url + "nothing-here")[0] == 404
    with serve(token="s3cret") as guarded:
        assert get(guarded.url + "api/dashboard")[0] == 401
        assert get(guarded.url + "api/dashboard?token=wrong")[0] == 401
        assert get(guarded.url + "api/dashboard?token=s3cret&subscriber=ann")[0] == 200
        assert get(guarded.url + "api/dashboard", {"Authorization": "Bearer s3cret"})[0] == 200
    log = capsys.readouterr().err
    assert "GET /api/dashboard 200" in log and "ann" not in log and "s3cret" not in log


def test_a_table_it_cannot_read_is_a_503_and_the_server_stays_up(capsys: pytest.CaptureFixture[str]) -> None:
    def unreachable(table: str) -> list[dict]:
        raise ConnectionError("dynamodb endpoint refused")

    with Dashboard(Settings(Snapshot(unreachable)), port=0) as server:
        assert get(server.url + "api/dashboard") == (503, b"results unavailable: ConnectionError\n")
        assert get(server.url)[0] == 200
    assert "results unavailable: ConnectionError" in capsys.readouterr().err


def test_a_snapshot_reads_again_only_what_may_have_changed(tmp_path: Path) -> None:
    reads: list[str] = []

    def read(table: str) -> list[dict]:
        reads.append(table)
        return []

    snapshot = Snapshot(read, max_age_s=0, version=lambda table: "v1" if table == "usage_hourly" else None)
    snapshot.tables()
    snapshot.tables()
    assert reads.count("usage_hourly") == 1 and reads.count("fraud_alerts") == 2  # unknown version: every time
    # A replay folder's version is its files: a new file is a new version.
    folder = tmp_path / "usage_hourly"
    folder.mkdir()
    row = {"subscriber_id": "ann", "window_start": at("2026-11-26T10:00"), "talk_seconds": 5, "bytes_sent": 0,
           "bytes_received": 0, "calls": 1, "spend": Decimal("0.1")}
    pq.write_table(pa.Table.from_pylist([row]), folder / "part-0.parquet")
    replay = replay_snapshot(tmp_path, max_age_s=0)
    assert len(replay.tables().usage_hourly) == 1 and replay.tables().metrics_minutely == []
    # Flink's part files have no suffix; a hidden file (one being written) is not data.
    pq.write_table(pa.Table.from_pylist([row | {"subscriber_id": "bob"}]), folder / "part-9f2c-task-0-file-0")
    (folder / ".part-9f2c-task-1-file-0.inprogress").write_bytes(b"PAR1")
    assert sorted(r["subscriber_id"] for r in replay.tables().usage_hourly) == ["ann", "bob"]


def test_only_loopback_is_served_without_a_token() -> None:
    with pytest.raises(ValueError, match="needs a token"):
        Dashboard(Settings(Snapshot(lambda table: [])), host="0.0.0.0", port=0)


def test_the_page_and_its_chart_library_are_served_from_the_project() -> None:
    with serve() as server:
        status, page = get(server.url)
        assert status == 200 and b"static/chart.umd.min.js" in page and b"https://" not in page
        status, library = get(server.url + "static/chart.umd.min.js")
        assert status == 200 and b"Chart.js v4.6.1" in library[:300]


def route_minute(minute: str, trunk: str, attempts: int, answered: int, effective: int, rang: int = 0,
                 pdd_mean_ms: float | None = None, with_mos: int = 0, poor_share: float | None = None) -> dict:
    return {"minute_start": minute, "destination_country": "DE", "trunk": trunk, "direction": "MOBILE_ORIGINATED",
            "attempts": attempts, "answered": answered, "effective": effective, "rang": rang,
            "pdd_mean_ms": pdd_mean_ms, "with_mos": with_mos, "mos_poor_share": poor_share}


def test_route_quality_sets_the_last_hour_against_the_range_before_and_puts_the_worst_first() -> None:
    minutes = [
        # carrier-a: 50 % then 50 %; PDD 2 s over 10 then 4 s over 10; 1 in 4 MOS poor, then 3 in 4.
        route_minute("2026-11-26T09:10:00", "carrier-a", 10, 5, 9, 10, 2000.0, 4, 0.25),
        route_minute("2026-11-26T10:30:00", "carrier-a", 10, 5, 9, 10, 4000.0, 4, 0.75),
        # carrier-b: 60 % before (two minutes), 20 % in the hour (the hour: 10:00 to 10:59, the
        # newest minute in range being 10:59).
        route_minute("2026-11-26T08:00:00", "carrier-b", 20, 12, 19),
        route_minute("2026-11-26T09:00:00", "carrier-b", 30, 18, 28),
        route_minute("2026-11-26T10:59:00", "carrier-b", 10, 2, 5),
        # carrier-c: 2 calls, 0 % now vs 100 % before: a larger fall, but it cost 2 calls, not 4.
        route_minute("2026-11-26T09:00:00", "carrier-c", 2, 2, 2),
        route_minute("2026-11-26T10:20:00", "carrier-c", 2, 0, 2),
        # carrier-d: nothing in the hour, so not listed; and a minute after the range's end.
        route_minute("2026-11-26T09:00:00", "carrier-d", 5, 0, 0),
        route_minute("2026-11-26T11:00:00", "carrier-a", 99, 0, 0),
    ]
    causes = [{"minute_start": "2026-11-26T10:59:00", "destination_country": "DE", "trunk": "carrier-b",
               "direction": "MOBILE_ORIGINATED", "hangup_cause": cause, "legs": legs}
              for cause, legs in ((16, 2), (34, 5), (17, 1), (-1, 2))]
    alarm = {"alert_id": "a1", "subscriber_id": "DE/carrier-a/MOBILE_ORIGINATED", "rule": "ROUTE_PDD_RISE",
             "severity": "WARNING", "detected_at": "2026-11-26T10:45:00", "window_start": "2026-11-26T10:30:00",
             "window_end": "2026-11-26T10:45:00", "observed": "4000", "threshold": "3000", "evidence_call_ids": []}
    earlier = alarm | {"alert_id": "a0", "rule": "ROUTE_ASR_DROP", "window_start": "2026-11-26T09:00:00",
                       "window_end": "2026-11-26T09:15:00"}  # not this hour's
    data = dashboard(tables(route_quality_minutely=minutes, route_causes_minutely=causes,
                            fraud_alerts=[alarm, earlier]), Filters(end=at("2026-11-26T11:00:00")), NOW)
    panel = data["routes"]
    assert (panel["now_from"], panel["now_to"]) == ("2026-11-26T10:00:00Z", "2026-11-26T11:00:00Z")
    assert [r["route"] for r in panel["routes"]] == ["DE/carrier-a/MOBILE_ORIGINATED",  # an alarm
                                                     "DE/carrier-b/MOBILE_ORIGINATED",  # 40 points x 10 calls
                                                     "DE/carrier-c/MOBILE_ORIGINATED"]  # 100 points x 2 calls
    a, b, c = panel["routes"]
    assert a["alarms"] == ["ROUTE_PDD_RISE"]
    assert a["now"] == {"attempts": 10, "asr": 0.5, "ner": 0.9, "pdd_ms": 4000, "poor_mos": 0.75}
    assert a["baseline"] == {"attempts": 10, "asr": 0.5, "ner": 0.9, "pdd_ms": 2000, "poor_mos": 0.25}
    assert b["now"] == {"attempts": 10, "asr": 0.2, "ner": 0.5, "pdd_ms": None, "poor_mos": None}
    assert b["baseline"]["asr"] == 0.6 and b["baseline"]["ner"] == 0.94  # 30 / 50, 47 / 50
    assert b["fall"] == 0.44  # NER fell more than ASR (0.4)
    assert b["causes"] == [{"cause": 34, "legs": 5}, {"cause": -1, "legs": 2}, {"cause": 16, "legs": 2}]
    assert c["fall"] == 1.0 and c["alarms"] == []
    # The destination filter applies.
    assert dashboard(tables(route_quality_minutely=minutes), Filters(country="FR"), NOW)["routes"]["routes"] == []
