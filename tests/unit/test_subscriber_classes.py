"""Subscriber classes as reference data (domain/fraud_rules.py parses, stream_io/subscriber_classes.py
re-reads): checked line by line, taken while running only once two reads agree and it checks."""

from __future__ import annotations

import logging

import pytest

from domain.fraud_rules import (
    DEFAULT_RULES,
    Rule,
    RulesError,
    SubscriberReference,
    load_rules,
    parse_subscriber_classes,
    with_subscriber_classes,
)
from stream_io.subscriber_classes import SubscriberClasses

KNOWN = {"call_centre"}


def test_the_csv_names_each_subscribers_class_and_a_bad_line_is_refused_by_number() -> None:
    assert parse_subscriber_classes("subscriber_id,class\nsub-1,call_centre\n\nsub-2, call_centre\n", KNOWN) == \
        SubscriberReference({"sub-1": "call_centre", "sub-2": "call_centre"}, {})
    dated = parse_subscriber_classes("subscriber_id,class,since\nsub-1,,2026-11-30\nsub-2,call_centre,\n", KNOWN)
    assert dated == SubscriberReference({"sub-2": "call_centre"}, {"sub-1": 1_795_996_800_000})  # 2026-11-30 UTC
    with pytest.raises(RulesError, match=r"line 2: since must be a date YYYY-MM-DD, got '30/11/2026'"):
        parse_subscriber_classes("subscriber_id,class,since\nsub-1,,30/11/2026\n", KNOWN)
    with pytest.raises(RulesError, match=r"classes.csv: line 3: unknown class 'vip' \(classes: call_centre\)"):
        parse_subscriber_classes("subscriber_id,class\nsub-1,call_centre\nsub-2,vip\n", KNOWN, "classes.csv")
    with pytest.raises(RulesError, match=r"line 1: expected the header subscriber_id,class"):
        parse_subscriber_classes("sub-1,call_centre\n", KNOWN)


def test_the_reference_data_gives_its_subscribers_the_class_levels() -> None:
    rules = with_subscriber_classes(load_rules(DEFAULT_RULES), SubscriberReference({"sub-cc": "call_centre"}, {}))
    assert rules.levels_for(Rule.VELOCITY, "sub-cc").warning == 60
    assert rules.levels_for(Rule.VELOCITY, "sub-other").warning == 12


class Source:
    def __init__(self, text: str):
        self.text = text
        self.now = 0.0

    def read(self, where: str) -> str:
        if isinstance(self.text, Exception):
            raise self.text
        return self.text


def test_a_running_job_takes_a_changed_file_once_two_reads_agree_and_it_checks(
        caplog: pytest.LogCaptureFixture) -> None:
    source = Source("subscriber_id,class\nsub-1,call_centre\n")
    classes = SubscriberClasses("s3://ref/classes.csv", KNOWN, 60, read=source.read, clock=lambda: source.now)
    assert classes.classes.classes == {"sub-1": "call_centre"}
    source.text = "subscriber_id,class\nsub-1,call_centre\nsub-2,call_centre\n"
    assert classes.reloaded() is None  # not due yet
    source.now = 60
    assert classes.reloaded() is None  # seen once: an upload may still be under way
    source.now = 120
    assert classes.reloaded() == SubscriberReference({"sub-1": "call_centre", "sub-2": "call_centre"}, {})
    source.now = 180
    assert classes.reloaded() is None  # unchanged
    source.text = "subscriber_id,class\nsub-3,vip\n"
    with caplog.at_level(logging.ERROR):
        source.now = 240
        assert classes.reloaded() is None
        source.now = 300
        assert classes.reloaded() is None
    assert "line 2: unknown class 'vip'" in caplog.text and classes.classes.classes["sub-2"] == "call_centre"
    source.text = OSError("S3 unreachable")  # type: ignore[assignment]
    source.now = 360
    assert classes.reloaded() is None and classes.classes.classes["sub-2"] == "call_centre"
