"""The operations dashboard: one page over the job's results, refreshed every second.

    python -m dashboard --properties application_properties.json   # the streaming job's DynamoDB tables
    python -m dashboard --replay-dir DIR                             # a replay's output folder
        [--host 127.0.0.1] [--port 8050] [--token-env DASHBOARD_TOKEN]

Read-only (GET only; nothing the page can send changes anything). It binds to 127.0.0.1 by
default; any other address needs a token (taken from the environment variable named by
--token-env, never from the command line, where other users of the machine could read it),
which every request must carry as `?token=` or `Authorization: Bearer`. The access log names
the path and status only: no query strings, so no subscriber or token in the logs.
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import json
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dashboard.figures import Filters, dashboard
from dashboard.sources import Snapshot, dynamodb_snapshot, replay_snapshot

ROOT = Path(__file__).resolve().parent
CHART_JS = ROOT.parent / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"
STATIC = {"/": (ROOT / "static" / "index.html", "text/html; charset=utf-8"),
          "/static/app.js": (ROOT / "static" / "app.js", "text/javascript; charset=utf-8"),
          "/static/style.css": (ROOT / "static" / "style.css", "text/css; charset=utf-8"),
          "/static/chart.umd.min.js": (CHART_JS, "text/javascript; charset=utf-8")}


@dataclass(frozen=True)
class Settings:
    snapshot: Snapshot
    token: str | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    access_log: bool = True  # the demo turns it off: its own output is the story


def parse_filters(query: dict[str, list[str]]) -> Filters:
    def one(name: str) -> str | None:
        value = (query.get(name) or [""])[0].strip()
        return value or None

    def moment(name: str) -> datetime | None:
        text = one(name)
        if text is None:
            return None
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

    country = one("country")
    return Filters(moment("from"), moment("to"), one("subscriber"), country.upper() if country else None,
                   one("alert"))


def handler(settings: Settings) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "cdr-dashboard"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            if settings.token is not None and not self._authorised(query):
                self._send(HTTPStatus.UNAUTHORIZED, b"a token is required\n", "text/plain")
                return
            if url.path == "/api/dashboard":
                try:
                    filters = parse_filters(query)
                except ValueError as error:
                    self._send(HTTPStatus.BAD_REQUEST, f"bad filter: {error}\n".encode(), "text/plain")
                    return
                try:
                    tables = settings.snapshot.tables()
                except Exception as error:  # noqa: BLE001 (a table missing or unreachable: say so, stay up)
                    sys.stderr.write(f"dashboard: results unavailable: {type(error).__name__}\n")
                    self._send(HTTPStatus.SERVICE_UNAVAILABLE,
                               f"results unavailable: {type(error).__name__}\n".encode(), "text/plain")
                    return
                body = dashboard(tables, filters, settings.clock())
                self._send(HTTPStatus.OK, json.dumps(body).encode(), "application/json")
            elif url.path in STATIC:
                path, kind = STATIC[url.path]
                self._send(HTTPStatus.OK, path.read_bytes(), kind)
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

        def _authorised(self, query: dict[str, list[str]]) -> bool:
            offered = (query.get("token") or [""])[0]
            header = self.headers.get("Authorization", "")
            if header.startswith("Bearer "):
                offered = header.removeprefix("Bearer ")
            return hmac.compare_digest(offered.encode(), (settings.token or "").encode())

        def _send(self, status: HTTPStatus, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
            """The path without its query (filters and tokens stay out of the log)."""
            if not settings.access_log:
                return
            status = args[1] if len(args) > 1 else ""
            sys.stderr.write(f"dashboard {self.command} {urlsplit(self.path).path} {status}\n")

    return Handler


class Dashboard:
    """The server on a background thread (the demo and the tests run it beside the job)."""

    def __init__(self, settings: Settings, host: str = "127.0.0.1", port: int = 8050):
        if not ipaddress.ip_address(host).is_loopback and settings.token is None:
            raise ValueError(f"binding to {host} needs a token: only loopback is served without one")
        self._server = ThreadingHTTPServer((host, port), handler(settings))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="dashboard", daemon=True)
        self.token = settings.token

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> Dashboard:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Dashboard:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def from_properties(properties: Path) -> Snapshot:
    """The streaming job's tables, named and reached as its application properties say."""
    import boto3

    from jobs import config as job_config

    sinks = job_config.load_group(job_config.SinkConfig, properties)
    client = boto3.client("dynamodb", region_name=sinks.region, endpoint_url=sinks.dynamodb_endpoint or None)
    return dynamodb_snapshot(client, {
        "usage_hourly": sinks.usage_hourly_table, "billing_monthly": sinks.billing_monthly_table,
        "metrics_minutely": sinks.metrics_minutely_table, "fraud_alerts": sinks.fraud_alerts_table,
        "fraud_alert_status": sinks.fraud_alert_status_table,
        "pipeline_minutely": sinks.pipeline_minutely_table, "dead_letters": sinks.dead_letters_table,
        "route_quality_minutely": sinks.route_quality_minutely_table,
        "route_causes_minutely": sinks.route_causes_minutely_table})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--properties", type=Path, help="the streaming job's application_properties.json")
    source.add_argument("--replay-dir", type=Path, help="a replay's output folder")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--token-env", help="environment variable holding the access token")
    args = parser.parse_args(argv)
    token = os.environ.get(args.token_env) if args.token_env else None
    if args.token_env and not token:
        parser.error(f"${args.token_env} is empty")
    snapshot = from_properties(args.properties) if args.properties else replay_snapshot(args.replay_dir)
    try:
        server = Dashboard(Settings(snapshot, token), args.host, args.port)
    except ValueError as error:
        parser.error(str(error))
    print(f"Dashboard on {server.url} (Ctrl-C stops it)")
    server.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
    return 0
