"""Per-minute metrics as Timestream records: figures and the checks the emulator does not make."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.metrics import MinuteMetrics, batches, check_record, to_record

MINUTE = datetime(2026, 11, 1, 10, 5, tzinfo=UTC)


def metrics(country: str, attempts: int = 4, answered: int = 3, talk: int = 150,
            revenue: str = "0.123457") -> MinuteMetrics:
    return MinuteMetrics(MINUTE, country, "MOBILE_ORIGINATED", "VOICE", attempts, answered, talk, Decimal(revenue))


def test_record_figures() -> None:
    record = to_record(metrics("GB"), version=7)
    values = {m["Name"]: (m["Value"], m["Type"]) for m in record["MeasureValues"]}
    assert values["attempts"] == ("4", "BIGINT")
    assert values["asr"] == ("0.75", "DOUBLE")            # 3 answered / 4 attempts
    assert values["acd_seconds"] == ("50.0", "DOUBLE")    # 150 s / 3 answered
    assert values["talk_minutes"] == ("2.5", "DOUBLE")
    assert values["revenue_micros"] == ("123457", "BIGINT")  # exact, not a float
    assert record["Time"] == str(int(MINUTE.timestamp() * 1000)) and record["Version"] == 7
    assert [d["Value"] for d in record["Dimensions"]] == ["GB", "MOBILE_ORIGINATED", "VOICE"]


def test_revenue_is_dimensioned_by_its_currency() -> None:
    pounds = to_record(dataclasses.replace(metrics("GB"), currency="GBP"), version=1)
    assert [(d["Name"], d["Value"]) for d in pounds["Dimensions"]][-1] == ("currency", "GBP")
    # A row that only counts fraud alerts has no currency, and no empty dimension for it.
    assert "currency" not in {d["Name"] for d in to_record(metrics("GB"), version=1)["Dimensions"]}


def test_checks_what_the_emulator_does_not() -> None:
    with pytest.raises(ValueError, match="1 to 2048 bytes"):
        check_record(to_record(metrics(""), 1))
    bad = to_record(metrics("GB"), 1)
    bad["MeasureValues"][0]["Value"] = "4.5"
    with pytest.raises(ValueError, match="not a BIGINT"):
        check_record(bad)
    with pytest.raises(ValueError, match="1 to 100"):
        list(batches([{}] * 3, size=101))
    assert [len(b) for b in batches([{}] * 250)] == [100, 100, 50]
