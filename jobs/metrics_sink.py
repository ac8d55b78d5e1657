"""Streams the per-minute figures — metrics (view metrics_by_minute) and route quality (view
route_quality_by_minute) — and the per-hour route quality (route_quality_by_hour) to Timestream
from Python.

A keyed process function per view holds each period's rows in list state and writes them when
event time passes the period's end (WriteRecords batches of ≤ 100 rows). Only these few
aggregated rows cross into Python, never the CDRs. Records Timestream rejects come out as dead
letters (reason METRIC_REJECTED), so nothing is dropped silently.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pyflink.common import Row, Types
from pyflink.datastream import KeyedProcessFunction, RuntimeContext
from pyflink.datastream.state import ListStateDescriptor
from pyflink.table import StatementSet, StreamTableEnvironment

from domain.metrics import MinuteMetrics, MinuteRecord
from domain.route_quality import COUNTS, MEASURES, RouteMinute
from jobs.config import MetricsConfig
from jobs.embedded_logging import drop_debug_records
from jobs.timestream_writer import MetricsWriter, TimestreamWriter

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
REJECTED = Types.ROW_NAMED(["raw_record", "reason", "detail", "source_offset"],
                           [Types.STRING(), Types.STRING(), Types.STRING(), Types.STRING()])


def _start(row: Row) -> datetime:
    return datetime.fromisoformat(row.period_start).replace(tzinfo=UTC)


def minute_metrics(row: Row) -> MinuteMetrics:
    return MinuteMetrics(_start(row), row.destination_country, row.direction, row.call_type, row.attempts,
                         row.answered, row.talk_seconds, Decimal(row.revenue), row.fraud_alerts, row.currency)


def route_minute(row: Row) -> RouteMinute:
    return RouteMinute(_start(row), row.destination_country, row.trunk, row.direction,
                       tuple(int(row[name]) for name in COUNTS),
                       tuple(None if row[name] is None else float(row[name]) for name in MEASURES))


def route_hour(row: Row) -> RouteMinute:
    return dataclasses.replace(route_minute(row), grain="hour")


class TimestreamMetricsSink(KeyedProcessFunction):
    """Holds each period's rows (read by `parse`) until event time passes the period (of
    `period_ms`), then writes them."""

    def __init__(self, config: MetricsConfig, parse: Callable[[Row], MinuteRecord], period_ms: int = MINUTE_MS):
        self._config = config
        self._parse = parse
        self._period_ms = period_ms
        self._writer: MetricsWriter | None = None
        self._pending: Any = None

    def open(self, runtime_context: RuntimeContext) -> None:
        import boto3

        drop_debug_records()
        client = boto3.client("timestream-write", region_name=self._config.region,
                              endpoint_url=self._config.endpoint or None)
        self._writer = TimestreamWriter(client, self._config.database, self._config.table)
        self._pending = runtime_context.get_list_state(ListStateDescriptor("pending-rows", Types.PICKLED_BYTE_ARRAY()))

    def process_element(self, row: Row, ctx: KeyedProcessFunction.Context) -> Iterator[Row]:
        try:
            item = self._parse(row)  # fails here, not later in the timer
        except (TypeError, ValueError, ArithmeticError) as error:  # a row is data, never a failed job
            yield Row(str(row), "METRIC_REJECTED", f"unreadable metrics row: {error}", str(row.period_start))
            return
        self._pending.add(item)
        ctx.timer_service().register_event_time_timer(self._end_ms(item))

    def _end_ms(self, item: MinuteRecord) -> int:
        return int(item.minute.timestamp() * 1000) + self._period_ms

    def on_timer(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext) -> Iterator[Row]:
        pending = list(self._pending.get())
        due = [item for item in pending if self._end_ms(item) <= timestamp]
        self._pending.update([item for item in pending if self._end_ms(item) > timestamp])
        assert self._writer is not None
        for rejected in self._writer.write(due):
            dimensions = "/".join(d["Value"] for d in rejected.record["Dimensions"])
            yield Row(json.dumps(rejected.record), "METRIC_REJECTED", rejected.reason,
                      f"{rejected.record['Time']}/{dimensions}")


# Times and DECIMAL cross into Python as text (in thread mode a TIMESTAMP arrives as a Java
# object, and PyFlink's DataStream types have no DECIMAL): exact either way.
def _start_of(column: str) -> str:
    return f"DATE_FORMAT({column}, 'yyyy-MM-dd''T''HH:mm:ss') AS period_start"


_ROUTE_FIGURES = f"destination_country, trunk, direction, {', '.join(COUNTS + MEASURES)}"
# (name, the rows' query, how a row is read, the period a row covers); the name is the
# operator's uid, which a restore matches state by: never renamed.
SOURCES: tuple[tuple[str, str, Callable[[Row], MinuteRecord], int], ...] = (
    ("metrics", f"SELECT {_start_of('minute_start')}, destination_country, direction, call_type, attempts, "
                "answered, talk_seconds, CAST(revenue AS STRING) AS revenue, fraud_alerts, currency "
                "FROM metrics_by_minute", minute_metrics, MINUTE_MS),
    ("route-quality", f"SELECT {_start_of('minute_start')}, {_ROUTE_FIGURES} FROM route_quality_by_minute",
     route_minute, MINUTE_MS),
    ("route-quality-hourly", f"SELECT {_start_of('hour_start')}, {_ROUTE_FIGURES} FROM route_quality_by_hour",
     route_hour, HOUR_MS),
)


def attach_metrics(t_env: StreamTableEnvironment, statements: StatementSet, config: MetricsConfig) -> None:
    """Adds a Timestream writer per view to the job, and the records they could not write to
    the dead letters."""
    for name, query, parse, period_ms in SOURCES:
        rows = t_env.to_data_stream(t_env.sql_query(query))
        rejected = (rows.key_by(lambda _: 0, key_type=Types.INT())
                    .process(TimestreamMetricsSink(config, parse, period_ms), output_type=REJECTED)
                    .uid(f"timestream-{name}").name(f"Timestream {name}"))
        view = f"{name.replace('-', '_')}_rejected"
        t_env.create_temporary_view(view, t_env.from_data_stream(rejected))
        statements.add_insert_sql(
            "INSERT INTO dead_letters SELECT raw_record, FALSE, reason, detail, 'timestream', source_offset, "
            f"CAST(CURRENT_TIMESTAMP AS TIMESTAMP_LTZ(3)) FROM {view}")
