"""Route alarms in the job: the windows of sql/views/quality/30_route_alarm_windows.sql, keyed
by route and judged against the route's baseline (domain/route_alarms.py), which lives in keyed
state. The alarms leave as rows of fraud_detected (the alerts table and SNS), with their own
rule names, the route in subscriber_id, no evidence calls and no block.

Streaming, a route's windows arrive in window order (each is emitted once the watermark passes
its end); a replay sorts them. So the baseline a window is judged against holds exactly the
windows before it, and a replay and a stream over the same records raise the same alarms with
the same ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pyflink.common import Row, Types
from pyflink.datastream import DataStream, KeyedProcessFunction, RuntimeContext
from pyflink.datastream.state import ListStateDescriptor, ValueStateDescriptor
from pyflink.table import StreamTableEnvironment

from domain.route_alarms import AlarmLimits, Baseline, Route, RouteAlarm, RouteRule, RouteWindow, judge
from jobs.replayed_key import END_OF_KEY

VIEW = "route_alarm_windows"


def to_window(row: Row) -> RouteWindow:
    return RouteWindow(Route(row.destination_country, row.trunk, row.direction), row.window_start_ms,
                       row.window_end_ms, row.attempts, row.answered, row.effective, row.rang, row.pdd_total_ms,
                       row.with_mos, row.poor_mos)


def to_detected(alarm: RouteAlarm) -> Row:
    """The alarm as a fraud_detected row (jobs/fraud_detection.DETECTED's columns), detected
    when its window closed."""
    evidence = {"baseline": round(alarm.baseline, 6), "legs": alarm.legs}
    return Row(alarm.alert_id, alarm.route.label, alarm.rule.value, alarm.severity, alarm.window_end_ms,
               alarm.window_start_ms, alarm.window_end_ms, f"{alarm.observed:.6f}", f"{alarm.threshold:.6f}",
               "[]", json.dumps(evidence), alarm.route.destination_country, alarm.route.direction, None,
               None, None, None)


def from_detected(row: Row) -> RouteAlarm:
    """The alarm back from its row (what the SNS notice is written from)."""
    destination, rest = row.subscriber_id.split("/", 1)
    route = Route(destination, *rest.rsplit("/", 1))  # a trunk's name may hold a "/"
    evidence = json.loads(row.evidence)
    return RouteAlarm(row.alert_id, route, RouteRule(row.rule), row.severity, row.window_start_ms,
                      row.window_end_ms, float(row.observed), evidence["baseline"], float(row.threshold),
                      evidence["legs"])


class RouteAlarmsFunction(KeyedProcessFunction):
    """Judges each window of a route and learns it into the route's baseline. `ordered` (a
    replay: batch execution hands a key's rows in no time order) keeps a key's windows until
    its input ends and judges them in window order."""

    def __init__(self, limits: AlarmLimits, ordered: bool):
        self._limits = limits
        self._ordered = ordered
        self._baseline: Any = None
        self._pending: Any = None

    def open(self, runtime_context: RuntimeContext) -> None:
        self._baseline = runtime_context.get_state(ValueStateDescriptor("route_baseline", Types.STRING()))
        self._pending = runtime_context.get_list_state(ListStateDescriptor("route_windows", Types.PICKLED_BYTE_ARRAY()))

    def process_element(self, row: Row, ctx: KeyedProcessFunction.Context) -> Iterator[Row]:
        if self._ordered:
            self._pending.add(to_window(row))
            ctx.timer_service().register_event_time_timer(END_OF_KEY)  # fires when the key's input ends
            return
        yield from self._judge([to_window(row)])

    def on_timer(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext) -> Iterator[Row]:
        windows = sorted(self._pending.get(), key=lambda window: window.start_ms)
        self._pending.clear()
        yield from self._judge(windows)

    def _judge(self, windows: list[RouteWindow]) -> Iterator[Row]:
        stored = self._baseline.value()
        baseline = Baseline.from_json(stored) if stored else Baseline()
        for window in windows:
            for alarm in judge(window, baseline, self._limits):
                yield to_detected(alarm)
            baseline = baseline.learned(window, self._limits.weight)
        self._baseline.update(baseline.to_json())


def route_alarms(t_env: StreamTableEnvironment, limits: AlarmLimits, ordered: bool, row_type: Any) -> DataStream:
    """The alarms of every route's windows, as rows of `row_type` (fraud_detected's)."""
    windows = t_env.to_data_stream(t_env.from_path(VIEW))
    return (windows.key_by(lambda row: f"{row.destination_country}/{row.trunk}/{row.direction}",
                           key_type=Types.STRING())
            .process(RouteAlarmsFunction(limits, ordered), output_type=row_type)
            .uid("route-alarms").name("route alarms"))
