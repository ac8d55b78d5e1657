"""The subscribers' reference data for the fraud rules (a CSV `subscriber_id,class[,since]`, local or at an
s3:// or file:// URI), read when the job starts and again while it runs, as the tariff folder is:
a changed file is taken only once two reads in a row see it the same (an upload still under
way is never used), and only if it checks (domain/fraud_rules.py); otherwise the classes in
force stay and a log line says why.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa

from domain.fraud_rules import RulesError, SubscriberReference, parse_subscriber_classes
from stream_io.dead_letter_store import location

LOG = logging.getLogger(__name__)


def read_text(where: str, region: str = "", endpoint: str = "") -> str:
    """A file's text: a local path, or an s3:// or file:// URI."""
    if "://" not in where:
        return Path(where).read_text(encoding="utf-8")
    filesystem, path = location(where, region, endpoint)
    with filesystem.open_input_stream(path) as stream:
        return str(stream.read().decode("utf-8"))


class SubscriberClasses:
    """Made where the job starts (a bad file stops it there, with its line), then shipped to
    the fraud operators, which call `start()` and then `reloaded()` as records come."""

    def __init__(self, where: str, known: Iterable[str], reload_s: float, *,
                 read: Callable[[str], str], clock: Callable[[], float] = time.monotonic):
        self._where = where
        self._known = frozenset(known)
        self._reload_s = reload_s
        self._read = read
        self._clock = clock
        self._text = read(where)
        self.classes = parse_subscriber_classes(self._text, self._known, where)
        self._candidate: str | None = None
        self._next = 0.0
        self.start()

    def start(self) -> None:
        """Counts the next read from now (on the process that reads)."""
        self._next = self._clock() + self._reload_s

    def reloaded(self) -> SubscriberReference | None:
        """The new classes when a changed file has been taken just now, else None (read at most
        every reload_s)."""
        if self._reload_s <= 0 or self._clock() < self._next:
            return None
        self._next = self._clock() + self._reload_s
        try:
            text = self._read(self._where)
        except (OSError, pa.ArrowException) as error:  # the file gone, S3 unreachable
            LOG.warning("subscriber classes %s not read (%s): the classes in force stay", self._where, error)
            return None
        if text == self._text:
            self._candidate = None
            return None
        if text != self._candidate:
            self._candidate = text  # taken if the next read sees the same
            return None
        try:
            classes = parse_subscriber_classes(text, self._known, self._where)
        except RulesError as error:
            LOG.error("subscriber classes refused, the classes in force stay: %s", error)
            self._text, self._candidate = text, None  # refused once, not again until it changes
            return None
        self._text, self._candidate, self.classes = text, None, classes
        LOG.info("subscriber classes re-read from %s: %d in classes, %d activation dates", self._where,
                 len(classes.classes), len(classes.since_ms))
        return classes
