"""Streams the per-minute figures — metrics (view metrics_by_minute) and route quality (view
route_quality_by_minute) — to Timestream from Python.

A keyed process function per view holds each minute's rows in list state and writes them when
event time passes the minute's end (WriteRecords batches of ≤ 100 rows). Only these few
aggregated rows cross into Python, never the CDRs. Records Timestream rejects come out as dead
letters (reason METRIC_REJECTED), so nothing is dropped silently.
"""

from __future__ import annotations

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
REJECTED = Types.ROW_NAMED(["raw_record", "reason", "detail", "source_offset"],
                           [Types.STRING(), Types.STRING(), Types.STRING(), Types.STRING()])


def _minute(row: Row) -> datetime:
    return datetime.fromisoformat(row.minute_start).replace(tzinfo=UTC)


def minute_metrics(row: Row) -> MinuteMetrics:
    return MinuteMetrics(_minute(row), row.destination_country, row.direction, row.call_type, row.attempts,
                         row.answered, row.talk_seconds, Decimal(row.revenue), row.fraud_alerts, row.currency)


def route_minute(row: Row) -> RouteMinute:
    return RouteMinute(_minute(row), row.destination_country, row.trunk, row.direction,
                       tuple(int(row[name]) for name in COUNTS),
                       tuple(None if row[name] is None else float(row[name]) for name in MEASURES))


class TimestreamMetricsSink(KeyedProcessFunction):
    """Holds each minute's rows (read by `parse`) until event time passes the minute, then writes them."""

    def __init__(self, config: MetricsConfig, parse: Callable[[Row], MinuteRecord]):
        self._config = config
        self._parse = parse
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
            yield Row(str(row), "METRIC_REJECTED", f"unreadable metrics row: {error}", str(row.minute_start))
            return
        self._pending.add(item)
        ctx.timer_service().register_event_time_timer(int(item.minute.timestamp() * 1000) + MINUTE_MS)

    def on_timer(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext) -> Iterator[Row]:
        pending = list(self._pending.get())
        due = [item for item in pending if item.minute.timestamp() * 1000 + MINUTE_MS <= timestamp]
        self._pending.update([item for item in pending if item.minute.timestamp() * 1000 + MINUTE_MS > timestamp])
        assert self._writer is not None
        for rejected in self._writer.write(due):
            dimensions = "/".join(d["Value"] for d in rejected.record["Dimensions"])
            yield Row(json.dumps(rejected.record), "METRIC_REJECTED", rejected.reason,
                      f"{rejected.record['Time']}/{dimensions}")


# Times and DECIMAL cross into Python as text (in thread mode a TIMESTAMP arrives as a Java
# object, and PyFlink's DataStream types have no DECIMAL): exact either way.
_MINUTE = "DATE_FORMAT(minute_start, 'yyyy-MM-dd''T''HH:mm:ss') AS minute_start"
SOURCES: tuple[tuple[str, str, Callable[[Row], MinuteRecord]], ...] = (
    ("metrics", f"SELECT {_MINUTE}, destination_country, direction, call_type, attempts, answered, talk_seconds, "
                "CAST(revenue AS STRING) AS revenue, fraud_alerts, currency FROM metrics_by_minute", minute_metrics),
    ("route-quality", f"SELECT {_MINUTE}, destination_country, trunk, direction, {', '.join(COUNTS + MEASURES)} "
                      "FROM route_quality_by_minute", route_minute),
)


def attach_metrics(t_env: StreamTableEnvironment, statements: StatementSet, config: MetricsConfig) -> None:
    """Adds a Timestream writer per view to the job, and the records they could not write to
    the dead letters."""
    for name, query, parse in SOURCES:
        rows = t_env.to_data_stream(t_env.sql_query(query))
        rejected = (rows.key_by(lambda _: 0, key_type=Types.INT())
                    .process(TimestreamMetricsSink(config, parse), output_type=REJECTED)
                    .uid(f"timestream-{name}").name(f"Timestream {name}"))
        view = f"{name.replace('-', '_')}_rejected"
        t_env.create_temporary_view(view, t_env.from_data_stream(rejected))
        statements.add_insert_sql(
            "INSERT INTO dead_letters SELECT raw_record, FALSE, reason, detail, 'timestream', source_offset, "
            f"CAST(CURRENT_TIMESTAMP AS TIMESTAMP_LTZ(3)) FROM {view}")
