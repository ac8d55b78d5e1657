"""Streams the per-minute metrics (view metrics_by_minute) to Timestream from Python.

A keyed process function holds each minute's rows in list state and writes them when event
time passes the minute's end (WriteRecords batches of ≤ 100 rows, domain/metrics.py). Only
these few aggregated rows cross into Python, never the CDRs. Records Timestream rejects come
out as dead letters (reason METRIC_REJECTED), so nothing is dropped silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pyflink.common import Row, Types
from pyflink.datastream import KeyedProcessFunction, RuntimeContext
from pyflink.datastream.state import ListStateDescriptor
from pyflink.table import StatementSet, StreamTableEnvironment

from domain.metrics import MinuteMetrics
from jobs.config import MetricsConfig
from jobs.timestream_writer import MetricsWriter, TimestreamWriter

MINUTE_MS = 60_000
REJECTED = Types.ROW_NAMED(["raw_record", "reason", "detail", "source_offset"],
                           [Types.STRING(), Types.STRING(), Types.STRING(), Types.STRING()])


class TimestreamMetricsSink(KeyedProcessFunction):
    def __init__(self, config: MetricsConfig):
        self._config = config
        self._writer: MetricsWriter | None = None
        self._pending: Any = None

    def open(self, runtime_context: RuntimeContext) -> None:
        import boto3

        client = boto3.client("timestream-write", region_name=self._config.region,
                              endpoint_url=self._config.endpoint or None)
        self._writer = TimestreamWriter(client, self._config.database, self._config.table)
        self._pending = runtime_context.get_list_state(ListStateDescriptor("pending-minutes", Types.STRING()))

    def process_element(self, row: Row, ctx: KeyedProcessFunction.Context) -> Iterator[Row]:
        try:
            minute = datetime.fromisoformat(row.minute_start).replace(tzinfo=UTC)
            Decimal(row.revenue)  # fails here, not later in the timer
        except (TypeError, ValueError, ArithmeticError) as error:  # a row is data, never a failed job
            yield Row(str(row), "METRIC_REJECTED", f"unreadable metrics row: {error}", str(row.minute_start))
            return
        self._pending.add(json.dumps([minute.isoformat(), row.destination_country, row.direction, row.call_type,
                                      row.attempts, row.answered, row.talk_seconds, row.revenue, row.fraud_alerts,
                                      row.currency]))
        ctx.timer_service().register_event_time_timer(int(minute.timestamp() * 1000) + MINUTE_MS)

    def on_timer(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext) -> Iterator[Row]:
        due: list[MinuteMetrics] = []
        kept: list[str] = []
        for text in self._pending.get():
            values = json.loads(text)
            minute = datetime.fromisoformat(values[0])
            if minute.timestamp() * 1000 + MINUTE_MS > timestamp:
                kept.append(text)  # a later minute: its own timer writes it
                continue
            # A minute kept in state before revenue had a currency has none (its list is one shorter).
            currency = values[9] if len(values) > 9 else None
            due.append(MinuteMetrics(minute, values[1], values[2], values[3], values[4], values[5], values[6],
                                     Decimal(values[7]), values[8], currency))
        self._pending.update(kept)
        assert self._writer is not None
        for rejected in self._writer.write(due):
            dimensions = "/".join(d["Value"] for d in rejected.record["Dimensions"])
            yield Row(json.dumps(rejected.record), "METRIC_REJECTED", rejected.reason,
                      f"{rejected.record['Time']}/{dimensions}")


def attach_metrics(t_env: StreamTableEnvironment, statements: StatementSet, config: MetricsConfig) -> None:
    """Adds the Timestream writer to the job, and the records it could not write to the dead
    letters."""
    # Times and DECIMAL cross into Python as text (in thread mode a TIMESTAMP arrives as a Java
    # object, and PyFlink's DataStream types have no DECIMAL): exact either way.
    minutes = t_env.to_data_stream(t_env.sql_query(
        "SELECT DATE_FORMAT(minute_start, 'yyyy-MM-dd''T''HH:mm:ss') AS minute_start, destination_country, "
        "direction, call_type, attempts, answered, talk_seconds, CAST(revenue AS STRING) AS revenue, fraud_alerts, "
        "currency "
        "FROM metrics_by_minute"))
    rejected = (minutes.key_by(lambda _: 0, key_type=Types.INT())
                .process(TimestreamMetricsSink(config), output_type=REJECTED)
                .uid("timestream-metrics").name("Timestream metrics"))
    t_env.create_temporary_view("metrics_rejected", t_env.from_data_stream(rejected))
    statements.add_insert_sql(
        "INSERT INTO dead_letters SELECT raw_record, FALSE, reason, detail, 'timestream', source_offset, "
        "CAST(CURRENT_TIMESTAMP AS TIMESTAMP_LTZ(3)) FROM metrics_rejected")
