"""The dashboard's figures, computed from the job's result rows (plain Python, no I/O).

Each panel reads one result table, as the job wrote it: top subscribers from usage_hourly
(talk time, data, spend of the current hour and day) and billing_monthly (the month's spend:
the bill); calls per minute and per hour of day, ASR, ACD and revenue by destination from
metrics_minutely; alerts from fraud_alerts; the pipeline's health from pipeline_minutely and
dead_letters; route quality (now against baseline) from route_quality_minutely,
route_causes_minutely and the route alarms among fraud_alerts. Money is never added across
currencies: spend is ranked per currency and a destination's revenue is given per currency (an
hour whose legs were priced in two currencies, spend_currency NULL in usage_hourly, is in no
spend ranking). Times are UTC. "Current" is the newest hour with usage at or before the end of
the chosen time range, so a replay of last month shows last month.

Filters: the time range applies to the per-minute panels, alerts and health; the subscriber to
the top lists and the alerts; the destination country to the per-minute call panels (the
tables without that dimension say so on the page) and the route-quality panel. A notification's link names one alert
(`#alert=ID`): that alert is returned whole, whatever the filters, so the link shows it even
when it is older than the newest alerts listed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.alert_status import AlertStatus, Status, marks_by_rule

Row = dict[str, Any]
TOP = 10


@dataclass(frozen=True)
class Tables:
    """Snapshots of the result tables, rows normalised (datetimes UTC, Decimal money)."""

    usage_hourly: list[dict[str, Any]]
    billing_monthly: list[dict[str, Any]]
    metrics_minutely: list[dict[str, Any]]
    fraud_alerts: list[dict[str, Any]]
    pipeline_minutely: list[dict[str, Any]]
    dead_letters: list[dict[str, Any]]
    fraud_alert_status: list[dict[str, Any]] = field(default_factory=list)  # ops.alerts' decisions
    route_quality_minutely: list[dict[str, Any]] = field(default_factory=list)
    route_causes_minutely: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Filters:
    start: datetime | None = None
    end: datetime | None = None
    subscriber: str | None = None
    country: str | None = None
    alert_id: str | None = None  # the alert a notification's link opens: shown whatever the other filters

    def in_range(self, moment: datetime | None) -> bool:
        return moment is not None and (self.start is None or moment >= self.start) and (
            self.end is None or moment < self.end)


def dashboard(tables: Tables, filters: Filters, now: datetime) -> dict[str, Any]:
    reference = current_hour(tables.usage_hourly, filters.end)
    metrics = [row for row in tables.metrics_minutely if filters.in_range(row["minute_start"])
               and (filters.country is None or row["destination_country"] == filters.country)]
    return {
        "generated_at": _iso(now),
        "current_hour": _iso(reference) if reference else None,
        "top": top_subscribers(tables.usage_hourly, tables.billing_monthly, reference, filters.subscriber),
        "calls_per_minute": calls_per_minute(metrics),
        "calls_per_hour_of_day": calls_per_hour_of_day(metrics),
        "destinations": by_destination(metrics),
        "alerts": latest_alerts(tables.fraud_alerts, filters, tables.fraud_alert_status),
        "alert_marks": alert_marks(tables.fraud_alerts, tables.fraud_alert_status, filters),
        "selected_alert": selected_alert(tables.fraud_alerts, tables.fraud_alert_status, filters.alert_id),
        "health": health(tables.pipeline_minutely, tables.dead_letters, filters),
        "routes": route_quality(tables.route_quality_minutely, tables.route_causes_minutely, tables.fraud_alerts,
                                filters),
    }


def current_hour(usage: Iterable[Row], end: datetime | None) -> datetime | None:
    hours = [row["window_start"] for row in usage if end is None or row["window_start"] < end]
    return max(hours, default=None)


def top_subscribers(usage: list[Row], bills: list[Row], reference: datetime | None,
                    subscriber: str | None) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per measure (talk seconds, data bytes, spend) and period (hour, day, month): the top 10;
    spend's top 10 of each currency, currency by currency."""
    periods: dict[str, list[Row]] = {"hour": [], "day": [], "month": []}
    if reference is not None:
        for row in usage:
            start = row["window_start"]
            if (start.year, start.month) == (reference.year, reference.month):
                periods["month"].append(row)
            if start.date() == reference.date():
                periods["day"].append(row)
            if start == reference:
                periods["hour"].append(row)
    month = f"{reference:%Y-%m}" if reference else None
    spend_month: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for bill in bills:
        if bill["bill_month"] == month:
            spend_month[(bill["subscriber_id"], bill["currency"])] += bill["total"]
    result: dict[str, dict[str, list[dict[str, Any]]]] = {"talk_seconds": {}, "data_bytes": {}, "spend": {}}
    for period, rows in periods.items():
        talk: Counter[str] = Counter()
        data: Counter[str] = Counter()
        spend: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for row in rows:
            talk[row["subscriber_id"]] += row["talk_seconds"]
            data[row["subscriber_id"]] += row["bytes_sent"] + row["bytes_received"]
            if row.get("spend_currency"):
                spend[(row["subscriber_id"], row["spend_currency"])] += row["spend"]
        result["talk_seconds"][period] = _top(talk, subscriber)
        result["data_bytes"][period] = _top(data, subscriber)
        result["spend"][period] = _top_per_currency(spend_month if period == "month" else spend, subscriber)
    return result


def _top_per_currency(values: Mapping[tuple[str, str], Decimal], subscriber: str | None) -> list[dict[str, Any]]:
    ranked = []
    for currency in sorted({currency for _, currency in values}):
        amounts = {who: value for (who, of), value in values.items() if of == currency}
        ranked += [{**entry, "currency": currency} for entry in _top(amounts, subscriber)]
    return ranked


def _top(values: Mapping[str, Any], subscriber: str | None) -> list[dict[str, Any]]:
    ranked = sorted(((who, value) for who, value in values.items() if value > 0), key=lambda item: (-item[1], item[0]))
    if subscriber is not None:
        ranked = [item for item in ranked if item[0] == subscriber]
    return [{"subscriber": who, "value": _json_number(value)} for who, value in ranked[:TOP]]


def calls_per_minute(metrics: list[Row]) -> list[dict[str, Any]]:
    minutes: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
    for row in metrics:
        minutes[row["minute_start"]][0] += row["answered"]
        minutes[row["minute_start"]][1] += row["attempts"] - row["answered"]
    return [{"minute": _iso(minute), "answered": answered, "unanswered": unanswered}
            for minute, (answered, unanswered) in sorted(minutes.items())]


def calls_per_hour_of_day(metrics: list[Row]) -> list[dict[str, int]]:
    hours = [[0, 0] for _ in range(24)]
    for row in metrics:
        hours[row["minute_start"].hour][0] += row["answered"]
        hours[row["minute_start"].hour][1] += row["attempts"] - row["answered"]
    return [{"hour": hour, "answered": answered, "unanswered": unanswered}
            for hour, (answered, unanswered) in enumerate(hours)]


def by_destination(metrics: list[Row]) -> list[dict[str, Any]]:
    """ASR (answered / attempts), ACD (talk seconds / answered call) and revenue per currency,
    per destination country; most attempts first."""
    figures: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    revenue: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in metrics:
        figure = figures[row["destination_country"]]
        figure[0] += row["attempts"]
        figure[1] += row["answered"]
        figure[2] += row["talk_seconds"]
        if row.get("currency"):
            revenue[row["destination_country"]][row["currency"]] += row["revenue"]
    rows = [{"country": country, "attempts": attempts, "answered": answered,
             "asr": round(answered / attempts, 4) if attempts else None,
             "acd_seconds": round(talk / answered, 1) if answered else None,
             "revenue": {currency: str(amount) for currency, amount in sorted(revenue[country].items())}}
            for country, (attempts, answered, talk) in figures.items()]
    return sorted(rows, key=lambda row: (-row["attempts"], row["country"]))


def _chosen_alerts(alerts: list[Row], filters: Filters) -> list[Row]:
    return [alert for alert in alerts if filters.in_range(alert["detected_at"])
            and (filters.subscriber is None or alert["subscriber_id"] == filters.subscriber)]


def latest_alerts(alerts: list[Row], filters: Filters, statuses: Iterable[Row] = (),
                  n: int = 20) -> list[dict[str, Any]]:
    """The newest alerts, each with its status (OPEN until the fraud desk says otherwise: who, when)."""
    by_id = {status["alert_id"]: status for status in statuses}
    chosen = sorted(_chosen_alerts(alerts, filters), key=lambda alert: (alert["detected_at"], alert["alert_id"]),
                    reverse=True)
    return [_alert_view(alert, by_id.get(alert["alert_id"])) for alert in chosen[:n]]


def selected_alert(alerts: list[Row], statuses: Iterable[Row], alert_id: str | None) -> dict[str, Any] | None:
    """The alert a link names, whole (window, every call id), or `found: False` when no such alert is stored."""
    if alert_id is None:
        return None
    alert = next((row for row in alerts if row["alert_id"] == alert_id), None)
    if alert is None:
        return {"alert_id": alert_id, "found": False}
    status = next((row for row in statuses if row["alert_id"] == alert_id), None)
    window = {edge: _iso(alert[edge]) if alert.get(edge) else None for edge in ("window_start", "window_end")}
    return _alert_view(alert, status) | {"found": True} | window


def _alert_view(alert: Row, status: Row | None) -> dict[str, Any]:
    return {"alert_id": alert["alert_id"], "detected_at": _iso(alert["detected_at"]), "rule": alert["rule"],
            "severity": alert["severity"], "subscriber": alert["subscriber_id"],
            "observed": _json_number(alert["observed"]), "threshold": _json_number(alert["threshold"]),
            "evidence": list(alert["evidence_call_ids"] or []),
            "status": status["status"] if status else "OPEN",
            "status_by": status["changed_by"] if status else None,
            "status_at": _iso(status["changed_at"]) if status else None}


def alert_marks(alerts: list[Row], statuses: list[Row], filters: Filters) -> list[dict[str, Any]]:
    """Per rule, over the alerts in range: how many, how many reviewed, how many were false positives."""
    by_id = {row["alert_id"]: AlertStatus(row["alert_id"], Status(row["status"]), row["changed_by"], 0)
             for row in statuses}
    return [{"rule": marks.rule, "alerts": marks.alerts, "reviewed": marks.reviewed,
             "false_positives": marks.false_positives}
            for marks in marks_by_rule(_chosen_alerts(alerts, filters), by_id)]


def health(pipeline: list[Row], dead_letters: list[Row], filters: Filters) -> dict[str, Any]:
    """Records in and dead letters by reason per minute; lag: the longest a record of the newest
    minute waited on the stream before the job parsed it."""
    minutes = sorted((row for row in pipeline if filters.in_range(row["minute_start"])),
                     key=lambda row: row["minute_start"])
    dead: dict[datetime, Counter[str]] = defaultdict(Counter)
    for letter in dead_letters:
        moment = letter["ingest_time"]
        if filters.in_range(moment):
            dead[moment.replace(second=0, microsecond=0)][letter["reason"]] += 1
    newest = minutes[-1] if minutes else None
    return {
        "records_per_minute": [{"minute": _iso(row["minute_start"]), "records_in": row["records_in"],
                                "rejected": row["rejected"]} for row in minutes],
        "dead_letters_per_minute": [{"minute": _iso(minute), "by_reason": dict(sorted(reasons.items()))}
                                    for minute, reasons in sorted(dead.items())],
        "lag_ms": newest["max_lag_ms"] if newest else None,
        "last_read_minute": _iso(newest["minute_start"]) if newest else None,
    }


def route_quality(minutes: list[Row], causes: list[Row], alerts: list[Row], filters: Filters,
                  n: int = 15) -> dict[str, Any]:
    """Per route (destination, trunk, direction): its last hour in range ("now": the 60 minutes
    up to the newest minute with calls) against the range before ("baseline") — attempts, ASR,
    NER, mean PDD, share of MOS below 3.5 —, the commonest hangup causes of the hour, and its
    route alarms of the hour. Worst first: routes with alarms, then by the calls the larger fall
    of ASR or NER cost this hour. The destination filter applies."""
    chosen = [row for row in minutes if filters.in_range(row["minute_start"])
              and (filters.country is None or row["destination_country"] == filters.country)]
    if not chosen:
        return {"now_from": None, "now_to": None, "routes": []}
    now_to = max(row["minute_start"] for row in chosen) + timedelta(minutes=1)
    now_from = now_to - timedelta(hours=1)
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: {"now": [0.0] * 7, "baseline": [0.0] * 7})
    dimensions: dict[str, tuple[str, str, str]] = {}  # route label -> its dimensions
    for row in chosen:
        dimensions[_route(row)] = (row["destination_country"], row["trunk"], row["direction"])
        part = sums[_route(row)]["now" if row["minute_start"] >= now_from else "baseline"]
        for i, value in enumerate((row["attempts"], row["answered"], row["effective"], row["rang"],
                                   (row.get("pdd_mean_ms") or 0.0) * row["rang"], row["with_mos"],
                                   (row.get("mos_poor_share") or 0.0) * row["with_mos"])):
            part[i] += value
    hour_causes: dict[str, Counter[int]] = defaultdict(Counter)
    for row in causes:
        if now_from <= row["minute_start"] < now_to and _route(row) in sums:
            hour_causes[_route(row)][row["hangup_cause"]] += row["legs"]
    alarms: dict[str, set[str]] = defaultdict(set)
    for alert in alerts:
        if alert["rule"].startswith("ROUTE_") and alert["window_end"] is not None \
                and now_from < alert["window_end"] <= now_to and filters.in_range(alert["window_start"]):
            alarms[alert["subscriber_id"]].add(alert["rule"])
    routes: list[dict[str, Any]] = []
    for route, parts in sums.items():
        now, baseline = _route_figures(parts["now"]), _route_figures(parts["baseline"])
        if now["attempts"] == 0:
            continue  # no call this hour: nothing to say of it now
        falls = [baseline[f] - now[f] for f in ("asr", "ner") if now[f] is not None and baseline[f] is not None]
        destination, trunk, direction = dimensions[route]
        routes.append({"route": route, "destination": destination, "trunk": trunk, "direction": direction,
                       "now": now, "baseline": baseline, "fall": round(max(falls), 4) if falls else None,
                       "causes": [{"cause": cause, "legs": legs} for cause, legs in
                                  sorted(hour_causes[route].items(), key=lambda item: (-item[1], item[0]))[:3]],
                       "alarms": sorted(alarms[route])})
    routes.sort(key=_worst_first)
    return {"now_from": _iso(now_from), "now_to": _iso(now_to), "routes": routes[:n]}


def _worst_first(route: dict[str, Any]) -> tuple[int, float, int, str]:
    """Alarms first; then the calls a fall cost this hour (a fall of 50 points over 100 calls
    before one of 100 points over 2 calls)."""
    lost = (route["fall"] or 0.0) * route["now"]["attempts"]
    return -len(route["alarms"]), -lost, -route["now"]["attempts"], route["route"]


def _route(row: Row) -> str:
    return f"{row['destination_country']}/{row['trunk']}/{row['direction']}"


def _route_figures(sums: list[float]) -> dict[str, Any]:
    attempts, answered, effective, rang, pdd_total, with_mos, poor = sums
    return {"attempts": int(attempts), "asr": _share(answered, attempts),
            "ner": _share(effective, attempts), "pdd_ms": round(pdd_total / rang) if rang else None,
            "poor_mos": _share(poor, with_mos)}


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _json_number(value: Any) -> Any:
    """Counts as numbers; money (Decimal) as its exact text."""
    return str(value) if isinstance(value, Decimal) else value


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
