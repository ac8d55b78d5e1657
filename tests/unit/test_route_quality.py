"""A minute of a route's quality as a Timestream record."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime

from domain.metrics import check_record
from domain.route_quality import RouteMinute


def test_counts_are_bigints_measures_doubles_and_a_figure_over_no_leg_is_left_out() -> None:
    minute = RouteMinute(datetime(2026, 11, 26, 10, 5), "FR", "carrier-b", "MOBILE_ORIGINATED",
                         (8, 5, 7, 0, 5), (0.625, 0.875, 71.4, 52.25, None, None, 3.9, 0.2, 12.5, 0.4, 80.0))
    record = minute.record(version=3)
    check_record(record)
    assert record["Time"] == str(int(datetime(2026, 11, 26, 10, 5, tzinfo=UTC).timestamp() * 1000))
    assert [(d["Name"], d["Value"]) for d in record["Dimensions"]] == [
        ("destination_country", "FR"), ("trunk", "carrier-b"), ("direction", "MOBILE_ORIGINATED")]
    values = {m["Name"]: (m["Type"], m["Value"]) for m in record["MeasureValues"]}
    assert values["attempts"] == ("BIGINT", "8") and values["rang"] == ("BIGINT", "0")
    assert values["ner"] == ("DOUBLE", "0.875") and values["aloc_s"] == ("DOUBLE", "52.25")
    assert "pdd_mean_ms" not in values and "pdd_p95_ms" not in values  # nobody's phone rang
    assert (record["MeasureName"], record["Version"]) == ("route_minute", 3)


def test_an_hour_is_its_own_measure() -> None:
    hour = RouteMinute(datetime(2026, 11, 26, 10), "FR", "carrier-b", "MOBILE_ORIGINATED",
                       (1, 1, 1, 0, 0), (1.0, 1.0, 30.0, 31.0, None, None, None, None, None, None, None), grain="hour")
    record = hour.record(version=1)
    check_record(record)
    assert record["MeasureName"] == "route_hour"
    assert record["Time"] == str(int(datetime(2026, 11, 26, 10, tzinfo=UTC).timestamp() * 1000))


def test_a_minute_pickled_before_grain_existed_still_reads_as_a_minute() -> None:
    """The Timestream writer's state holds these pickled: one taken before the field was added
    (no 'grain' in its state) must restore."""
    minute = RouteMinute(datetime(2026, 11, 26, 10, 5), "FR", "carrier-b", "MOBILE_ORIGINATED",
                         (1, 1, 1, 0, 0), (1.0, 1.0, 30.0, 31.0, None, None, None, None, None, None, None))
    old = object.__new__(RouteMinute)  # as the first version pickled it: every field but grain
    old.__dict__.update({f.name: getattr(minute, f.name) for f in dataclasses.fields(minute) if f.name != "grain"})
    restored = pickle.loads(pickle.dumps(old))
    assert "grain" not in restored.__dict__
    assert restored == minute and restored.record(1)["MeasureName"] == "route_minute"
