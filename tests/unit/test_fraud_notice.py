"""The notice a person reads (domain/fraud_notice.py) and its publisher's retries
(stream_io/notifications.py), with a fake SNS."""

from __future__ import annotations

import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from domain.blocklist import FRAUD_JOB, Block, Kind
from domain.fraud import Alert
from domain.fraud_notice import compose
from domain.fraud_rules import Rule, Severity
from stream_io.notifications import Notifier, sns_publisher

AT = 1_795_000_000_000  # 2026-11-18 11:06:40 UTC
ALERT = Alert("abc123", "sat-1", Rule.RUNNING_COST, Severity.CRITICAL, AT, AT - 690_000, AT, Decimal("75.000099"),
              Decimal("75"), ("call-9",))
BLOCK = Block(Kind.SUBSCRIBER, "sat-1", "RUNNING_COST CRITICAL: observed 75.000099 ≥ 75", "RUNNING_COST", "abc123",
              AT, AT + 86_400_000, FRAUD_JOB)


def test_the_notice_says_what_who_how_much_and_what_was_done() -> None:
    notice = compose(ALERT, BLOCK, "https://dash.example.net/")
    assert notice.subject == "[CRITICAL] RUNNING_COST subscriber sat-1 BLOCKED"
    assert notice.message.splitlines() == [
        "Fraud alert CRITICAL: RUNNING_COST",
        "Subscriber: sat-1",
        "Observed: 75.000099 (threshold 75)",
        "Window: 2026-11-18 10:55:10 UTC to 2026-11-18 11:06:40 UTC",
        "Detected: 2026-11-18 11:06:40 UTC",
        "Evidence: 1 call(s): call-9",
        "Action: subscriber:sat-1 blocked until 2026-11-19 11:06:40 UTC; to lift: "
        "python -m ops.blocks --properties app.json lift --subscriber sat-1 --by NAME",
        "Dashboard: https://dash.example.net/#alert=abc123",
        "Alert id: abc123"]
    assert notice.attributes == {"alert_id": "abc123", "rule": "RUNNING_COST", "severity": "CRITICAL",
                                 "blocked": "true"}


def test_a_wangiri_notice_names_the_calling_number_and_an_alert_only_says_so() -> None:
    spray = Alert("w1", "+2348031234567", Rule.WANGIRI, Severity.WARNING, AT, AT - 60_000, AT, Decimal(8),
                  Decimal(8), ("c1", "c2"))
    notice = compose(spray, None)
    assert notice.subject == "[WARNING] WANGIRI calling number +2348031234567"
    assert "Action: none (alert only)" in notice.message and "Dashboard" not in notice.message


class FakeSns:
    def __init__(self, failures: list[Exception]):
        self.failures = failures
        self.published: list[str] = []
        self.done = threading.Event()

    def __call__(self, notice) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.published.append(notice.subject)
        self.done.set()


class ClientError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


def test_throttling_and_network_errors_are_retried_until_sent() -> None:
    sns = FakeSns([ClientError("Throttling"), ConnectionError("refused"), ClientError("InternalError")])
    waits: list[float] = []
    notifier = Notifier(sns, first_backoff_s=0.1, max_backoff_s=0.3, sleep=waits.append)
    notifier.send(compose(ALERT, BLOCK))
    notifier.close()
    assert sns.published == ["[CRITICAL] RUNNING_COST subscriber sat-1 BLOCKED"] and notifier.sent == 1
    # backoff doubling, capped, with ±50 % jitter
    assert len(waits) == 3 and 0.05 <= waits[0] <= 0.15 and 0.1 <= waits[1] <= 0.3 and 0.15 <= waits[2] <= 0.45


def test_a_notice_sns_refuses_for_good_is_dropped_and_the_next_one_goes() -> None:
    sns = FakeSns([ClientError("NotFound")])
    notifier = Notifier(sns, sleep=lambda _: None)
    notifier.send(compose(ALERT, None))
    notifier.send(compose(ALERT, BLOCK))
    notifier.close()
    assert sns.published == ["[CRITICAL] RUNNING_COST subscriber sat-1 BLOCKED"] and notifier.dropped == 1


def test_a_full_queue_drops_instead_of_waiting() -> None:
    entered, release = threading.Event(), threading.Event()

    def stuck(notice) -> None:
        entered.set()
        release.wait()

    notifier = Notifier(stuck, capacity=2, sleep=lambda _: None)
    notifier.send(compose(ALERT, None))
    entered.wait(5)
    for _ in range(4):  # one being published, two queued, two dropped
        notifier.send(compose(ALERT, None))
    release.set()
    notifier.close()
    assert (notifier.sent, notifier.dropped) == (3, 2)


def test_the_sns_client_makes_one_attempt_so_that_only_the_notifier_retries_and_logs_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A publish that failed may have been delivered: botocore's own retry (silent) doubled
    notices when a loaded SNS answered late. A server that fails every request sees one."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    requests: list[str] = []

    class Failing(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            requests.append(self.path)
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        publish = sns_publisher("arn:aws:sns:eu-west-1:000000000000:alerts", "eu-west-1",
                                f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(Exception, match="500|InternalError|Internal"):
            publish(compose(ALERT, None))
    finally:
        server.shutdown()
    assert len(requests) == 1
