"""Publishes notices (domain/fraud_notice.py) to an SNS topic without ever holding up the job.

`Notifier.send` only queues: a background thread publishes, retrying throttling, 5xx and
network errors with capped exponential backoff and jitter until they succeed. A notice SNS
refuses for good (topic not found, not authorised, invalid) is dropped with a log line naming
the topic and the cause; so is a notice that finds the queue full after a long outage (the
alert itself is in the alerts table either way). Delivery is at most once across a job
restart: notices still queued when the process dies are not sent again.
Within a run a notice is sent again only after an error or an answer that never came (then
SNS may have had it: the `alert_id` attribute tells a repeat).
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from domain.fraud_notice import Notice

LOG = logging.getLogger(__name__)
FINAL_ERRORS = frozenset({"NotFound", "NotFoundException", "AuthorizationError", "AuthorizationErrorException",
                          "InvalidParameter", "InvalidParameterException", "InvalidParameterValue",
                          "AccessDenied", "AccessDeniedException", "KMSDisabled", "KMSAccessDenied"})


class Notifier:
    def __init__(self, publish: Callable[[Notice], None], *, capacity: int = 10_000, first_backoff_s: float = 0.1,
                 max_backoff_s: float = 30.0, sleep: Callable[[float], None] = time.sleep):
        self._publish = publish
        self._queue: queue.Queue[Notice | None] = queue.Queue(capacity)
        self._first_backoff_s = first_backoff_s
        self._max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._random = random.Random()
        self.sent = 0
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, daemon=True, name="fraud-notifier")
        self._thread.start()

    def send(self, notice: Notice) -> None:
        try:
            self._queue.put_nowait(notice)
        except queue.Full:
            self.dropped += 1
            LOG.error("notification of alert %s dropped: %d notices already waiting (SNS unreachable?)",
                      notice.attributes.get("alert_id"), self._queue.qsize())

    def close(self, timeout_s: float = 5.0) -> None:
        """Sends what is queued, for at most `timeout_s`."""
        try:
            self._queue.put(None, timeout=timeout_s)
        except queue.Full:
            return
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while (notice := self._queue.get()) is not None:
            self._deliver(notice)

    def _deliver(self, notice: Notice) -> None:
        backoff = self._first_backoff_s
        while True:
            try:
                self._publish(notice)
                self.sent += 1
                return
            except Exception as error:  # botocore's errors, and the network's
                code = _error_code(error)
                if code in FINAL_ERRORS:
                    self.dropped += 1
                    LOG.error("notification of alert %s refused by SNS (%s): %s", notice.attributes.get("alert_id"),
                              code, error)
                    return
                LOG.warning("notification of alert %s not sent (%s); retrying in %.1f s",
                            notice.attributes.get("alert_id"), code or type(error).__name__, backoff)
                self._sleep(backoff * (0.5 + self._random.random()))
                backoff = min(backoff * 2, self._max_backoff_s)


def _error_code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def sns_publisher(topic_arn: str, region: str, endpoint: str = "") -> Callable[[Notice], None]:
    """Publishes to the topic with the default credential chain (the application's role).

    A publish whose answer never came may have been delivered: sending it again can send it
    twice. So the client makes one attempt (botocore would otherwise retry a timeout silently),
    the Notifier's retries are the only ones and each is logged, and the wait for an answer is
    long: publishing is off the records' path, and a 5 s limit, under load, doubled notices."""
    import boto3
    from botocore.config import Config

    client: Any = boto3.client("sns", region_name=region, endpoint_url=endpoint or None,
                               config=Config(connect_timeout=2, read_timeout=30,
                                             retries={"total_max_attempts": 1}))

    def publish(notice: Notice) -> None:
        client.publish(TopicArn=topic_arn, Subject=notice.subject, Message=notice.message,
                       MessageAttributes={name: {"DataType": "String", "StringValue": value}
                                          for name, value in notice.attributes.items()})
    return publish
