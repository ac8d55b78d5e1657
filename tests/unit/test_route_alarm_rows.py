"""A route alarm crosses the job as a fraud_detected row and back (what its SNS notice is written from)."""

from __future__ import annotations

import math

from pyflink.common import Row

from domain.route_alarms import Route, RouteAlarm, RouteRule, alarm_id
from jobs.fraud_detection import DETECTED, ROUTE_RULES
from jobs.route_alarms import from_detected, to_detected

ROUTE = Route("DE", "carrier-b", "outbound")


def test_an_alarm_row_has_the_alerts_columns_and_reads_back() -> None:
    alarm = RouteAlarm(alarm_id(ROUTE, RouteRule.PDD_RISE, 900_000), ROUTE, RouteRule.PDD_RISE, "CRITICAL",
                       900_000, 1_800_000, 6123.4567891, 2041.1234567, 3061.68518505, 42)
    row = to_detected(alarm)
    assert len(row) == len(DETECTED.get_field_names())
    fields = dict(zip(DETECTED.get_field_names(), row, strict=True))
    assert fields["subscriber_id"] == "DE/carrier-b/outbound" and fields["rule"] in ROUTE_RULES
    assert (fields["detected_at_ms"], fields["window_start_ms"], fields["window_end_ms"]) == (1_800_000, 900_000,
                                                                                              1_800_000)
    assert (fields["observed"], fields["threshold"]) == ("6123.456789", "3061.685185")  # DECIMAL(18, 6) in SQL
    assert fields["evidence_call_ids"] == "[]" and fields["block_kind"] is None  # no calls to tag, no block
    back = from_detected(Row(**fields))  # the next operator gets it named (output type DETECTED)
    assert (back.alert_id, back.route, back.rule, back.severity, back.legs) == (alarm.alert_id, ROUTE,
                                                                                RouteRule.PDD_RISE, "CRITICAL", 42)
    assert math.isclose(back.observed, alarm.observed, abs_tol=1e-6)
    assert math.isclose(back.baseline, alarm.baseline, abs_tol=1e-6)
