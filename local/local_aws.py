"""Local AWS on 127.0.0.1: kinesis-mock (Kinesis), dynalite (DynamoDB), moto's server (S3,
Timestream; in this process, so what is written to Timestream can be read back from moto's
backend), on free ports, with the stream, tables and bucket the job needs.

    with LocalAws.start() as aws:
        aws.kinesis.put_record(...)

Each node emulator is a child process in its own process group; `stop()` ends exactly those
and the moto thread.
Credentials are fixed dummies that the emulators accept; they are exported to this process's
environment so that the JVM started later (the Flink minicluster) finds them too.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = PROJECT_ROOT / "node_modules"
REGION = "us-east-1"
ACCOUNT = "000000000000"
MOTO_ACCOUNT = "123456789012"  # moto's default account
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                     "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}


@dataclass(frozen=True)
class Resources:
    """Names of what the job reads and writes."""

    stream: str = "cdr-records"
    shards: int = 2
    usage_hourly_table: str = "cdr_usage_hourly"
    dead_letters_table: str = "cdr_dead_letters"
    billing_monthly_table: str = "cdr_billing_monthly"
    billing_adjustments_table: str = "cdr_billing_adjustments"  # written by ops/rerate.py, never by the job
    rating_errors_table: str = "cdr_rating_errors"
    bucket: str = "cdr-archive"
    archive_prefix: str = "cdr"
    dead_letter_prefix: str = "dead-letters"
    fraud_tagged_prefix: str = "fraud-tagged"
    fraud_alerts_table: str = "cdr_fraud_alerts"
    fraud_blocks_table: str = "cdr_fraud_blocks"
    fraud_alert_status_table: str = "cdr_fraud_alert_status"
    fraud_topic: str = "cdr-fraud-alerts"
    logical_calls_table: str = "cdr_logical_calls"
    metrics_minutely_table: str = "cdr_metrics_minutely"
    route_quality_minutely_table: str = "cdr_route_quality_minutely"
    route_causes_minutely_table: str = "cdr_route_causes_minutely"
    route_quality_hourly_table: str = "cdr_route_quality_hourly"
    route_causes_hourly_table: str = "cdr_route_causes_hourly"
    pipeline_minutely_table: str = "cdr_pipeline_minutely"
    timestream_database: str = "cdr"
    timestream_table: str = "metrics_minutely"

    @property
    def stream_arn(self) -> str:
        return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{self.stream}"


_HANDED_OUT: set[int] = set()
_PORT_DRAWS = random.SystemRandom()  # not the random module's shared (seedable) generator


def free_port() -> int:
    """A port for a server of ours to listen on: free now, and below the kernel's ephemeral range.
    A port from that range (what binding port 0 gives) may be taken by any outgoing connection
    in the seconds before the server binds it (a Node emulator takes one or two to start), and
    the server then exits: the likely cause of kinesis-mock exiting at its start in one CI run
    (its output went with its workdir; the error now carries it)."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(1_000):
        port = _PORT_DRAWS.randrange(max(1_024, low - 16_384), low)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use
        _HANDED_OUT.add(port)
        return port
    raise OSError(f"no free port below {low} on 127.0.0.1")


def _tail(log: Path, lines: int = 20) -> str:
    """The last lines of an emulator's output (its workdir goes when the start fails)."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError as error:
        return f"(unreadable: {error})"


@dataclass
class LocalAws:
    resources: Resources
    kinesis_endpoint: str
    dynamodb_endpoint: str
    moto_endpoint: str
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _logs: dict[int, Path] = field(default_factory=dict)  # an emulator's output, by its pid
    _workdir: Path | None = None
    _moto: ThreadedMotoServer | None = None

    @classmethod
    def start(cls, resources: Resources = Resources()) -> LocalAws:
        for tool in ("kinesis-local", "dynalite"):
            if not (NODE_MODULES / tool).is_dir():
                raise FileNotFoundError(f"node_modules/{tool} is missing: run `make setup`")
        os.environ.update(DUMMY_CREDENTIALS)
        workdir = Path(tempfile.mkdtemp(prefix="cdr-local-aws-"))
        ports = {name: free_port() for name in ("kinesis", "kinesis_tls", "dynamodb", "moto")}
        aws = cls(resources, f"http://127.0.0.1:{ports['kinesis']}",
                  f"http://127.0.0.1:{ports['dynamodb']}", f"http://127.0.0.1:{ports['moto']}",
                  _workdir=workdir)
        try:
            kinesis_pkg = NODE_MODULES / "kinesis-local"
            aws._spawn("kinesis", ["node", "-r", str(PROJECT_ROOT / "local" / "loopback.js"),
                                   str(kinesis_pkg / "main.js")],
                       {"KINESIS_MOCK_PLAIN_PORT": str(ports["kinesis"]),
                        "KINESIS_MOCK_TLS_PORT": str(ports["kinesis_tls"]),
                        "KINESIS_MOCK_CERT_PATH": str(kinesis_pkg / "server.json"),
                        "INITIALIZE_STREAMS": f"{resources.stream}:{resources.shards}:{REGION}",
                        "LOG_LEVEL": "WARN"})
            aws._spawn("dynamodb", ["node", str(NODE_MODULES / "dynalite" / "cli.js"),
                                    "--host", "127.0.0.1", "--port", str(ports["dynamodb"])], {})
            # In-process, so tests can read Timestream records back from moto's backend.
            logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
            aws._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=ports["moto"], verbose=False)
            aws._moto.start()
            aws._wait("Kinesis", lambda: aws.kinesis.describe_stream_summary(StreamName=resources.stream)
                      ["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE")
            aws._wait("DynamoDB", lambda: aws.dynamodb.list_tables() is not None)
            aws._wait("S3", lambda: aws.s3.list_buckets() is not None)
            aws._create_resources()
        except BaseException:
            aws.stop()
            raise
        return aws

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        assert self._workdir is not None
        log = (self._workdir / f"{name}.log").open("wb")
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=self._workdir, start_new_session=True)
        self._processes.append(process)
        self._logs[process.pid] = Path(log.name)

    def _wait(self, what: str, ready: Callable[[], bool], timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        last: Exception | None = None
        while time.monotonic() < deadline:
            for process in self._processes:
                if process.poll() is not None:
                    raise RuntimeError(f"an emulator exited early ({process.args!r}), its output ending:\n"
                                       + _tail(self._logs[process.pid]))
            try:
                if ready():
                    return
            except Exception as error:  # not up yet: connection refused, stream CREATING...
                last = error
            time.sleep(0.2)
        raise TimeoutError(f"{what} emulator not ready after {timeout_s} s: {last}")

    def _client(self, service: str, endpoint: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=endpoint,
                            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                            config=Config(retries={"max_attempts": 3, "mode": "standard"},
                                          s3={"addressing_style": "path"}))

    @property
    def kinesis(self) -> Any:
        return self._client("kinesis", self.kinesis_endpoint)

    @property
    def dynamodb(self) -> Any:
        return self._client("dynamodb", self.dynamodb_endpoint)

    @property
    def s3(self) -> Any:
        return self._client("s3", self.moto_endpoint)

    @property
    def timestream(self) -> Any:
        return self._client("timestream-write", self.moto_endpoint)

    def _create_resources(self) -> None:
        r = self.resources
        for table, keys in ((r.usage_hourly_table, ("subscriber_id", "window_start")),
                            (r.dead_letters_table, ("source_partition", "source_offset")),
                            (r.billing_monthly_table, ("subscriber_id", "month_currency")),
                            (r.billing_adjustments_table, ("subscriber_id", "month_currency")),
                            (r.rating_errors_table, ("record_id",)),
                            (r.fraud_alerts_table, ("alert_id",)),
                            (r.fraud_blocks_table, ("target",)),
                            (r.fraud_alert_status_table, ("alert_id",)),
                            (r.logical_calls_table, ("linked_id",)),
                            (r.metrics_minutely_table, ("minute_start", "dimensions")),
                            (r.route_quality_minutely_table, ("minute_start", "dimensions")),
                            (r.route_causes_minutely_table, ("minute_start", "dimensions")),
                            (r.route_quality_hourly_table, ("hour_start", "dimensions")),
                            (r.route_causes_hourly_table, ("hour_start", "dimensions")),
                            (r.pipeline_minutely_table, ("minute_start",))):
            self.dynamodb.create_table(
                TableName=table, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in keys],
                KeySchema=[{"AttributeName": key, "KeyType": kind}
                           for key, kind in zip(keys, ("HASH", "RANGE")[:len(keys)], strict=True)])
            self._wait(f"table {table}", self._table_active(table))
        self.s3.create_bucket(Bucket=r.bucket)
        self._client("sns", self.moto_endpoint).create_topic(Name=r.fraud_topic)
        self.timestream.create_database(DatabaseName=r.timestream_database)
        self.timestream.create_table(DatabaseName=r.timestream_database, TableName=r.timestream_table)

    def _table_active(self, table: str) -> Callable[[], bool]:
        return lambda: self.dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"

    def timestream_records(self, measure: str) -> list[dict[str, Any]]:
        """What was written to the Timestream table under one measure name (cdr_minute: the
        minute metrics; route_minute: route quality) — moto keeps it in this process."""
        from moto.timestreamwrite.models import timestreamwrite_backends

        r = self.resources
        return [record for account in timestreamwrite_backends.values()
                if r.timestream_database in account[REGION].databases
                for record in account[REGION].databases[r.timestream_database].tables[r.timestream_table].records
                if record["MeasureName"] == measure]

    @property
    def fraud_topic_arn(self) -> str:
        return f"arn:aws:sns:{REGION}:{MOTO_ACCOUNT}:{self.resources.fraud_topic}"

    def sns_messages(self) -> list[dict[str, Any]]:
        """What was published to the fraud topic (moto keeps it in this process): subject,
        message and attributes (name -> value), oldest first."""
        from moto.sns.models import sns_backends

        topic = sns_backends[MOTO_ACCOUNT][REGION].topics[self.fraud_topic_arn]
        return [{"subject": subject, "message": message,
                 "attributes": {name: value.get("Value", value.get("StringValue"))
                                for name, value in (attributes or {}).items()}}
                for _, message, subject, attributes, _ in topic.sent_notifications]

    def application_properties(self, *, bounded: bool, metrics: bool = False,
                               job: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """The job's property groups (MSF format) pointing at these emulators; `job` adds to
        (or overrides) the CdrJob group."""
        r = self.resources
        return [
            {"PropertyGroupId": "CdrSource", "PropertyMap": {
                "stream.arn": r.stream_arn, "aws.region": REGION, "aws.endpoint": self.kinesis_endpoint,
                "init.position": "TRIM_HORIZON", "bounded": str(bounded).lower()}},
            {"PropertyGroupId": "CdrSinks", "PropertyMap": {
                "aws.region": REGION, "dynamodb.endpoint": self.dynamodb_endpoint,
                "usage-hourly.table": r.usage_hourly_table, "dead-letters.table": r.dead_letters_table,
                "billing-monthly.table": r.billing_monthly_table, "rating-errors.table": r.rating_errors_table,
                "archive.path": f"s3://{r.bucket}/{r.archive_prefix}",
                "dead-letter-store.path": f"s3://{r.bucket}/{r.dead_letter_prefix}",
                "fraud-alerts.table": r.fraud_alerts_table,
                "fraud-blocks.table": r.fraud_blocks_table,
                "fraud-alert-status.table": r.fraud_alert_status_table,
                "fraud-tagged.path": f"s3://{r.bucket}/{r.fraud_tagged_prefix}",
                "logical-calls.table": r.logical_calls_table,
                "metrics-minutely.table": r.metrics_minutely_table,
                "route-quality-minutely.table": r.route_quality_minutely_table,
                "route-causes-minutely.table": r.route_causes_minutely_table,
                "route-quality-hourly.table": r.route_quality_hourly_table,
                "route-causes-hourly.table": r.route_causes_hourly_table,
                "pipeline-minutely.table": r.pipeline_minutely_table,
                "s3.endpoint": self.moto_endpoint}},
            {"PropertyGroupId": "CdrJob", "PropertyMap": {"watermark.lateness.seconds": "60", **(job or {})}},
            # The project's deck as a single-tariff CSV (the migration path), taxed at 20 %.
            {"PropertyGroupId": "CdrBilling", "PropertyMap": {
                "tariffs": "tariffs/decks/default/1970-01-01.csv", "currency": "EUR", "tax.rate": "0.20"}},
            {"PropertyGroupId": "CdrFraud", "PropertyMap": {
                "notifications.topic-arn": self.fraud_topic_arn, "sns.endpoint": self.moto_endpoint}},
            {"PropertyGroupId": "CdrMetrics", "PropertyMap": {
                "enabled": str(metrics).lower(), "aws.region": REGION, "timestream.endpoint": self.moto_endpoint,
                "database": r.timestream_database, "table": r.timestream_table}},
        ]

    def write_forwarder_config(self, path: Path, pbx: Mapping[str, Any] | None = None) -> Path:
        """The Asterisk forwarder's settings (asterisk_adapter/settings.py) for these emulators."""
        r = self.resources
        path.write_text(json.dumps({
            "stream_arn": r.stream_arn, "region": REGION, "kinesis_endpoint": self.kinesis_endpoint,
            "dead_letter_store": f"s3://{r.bucket}/{r.dead_letter_prefix}", "s3_endpoint": self.moto_endpoint,
            "pbx": dict(pbx or {})}, indent=2))
        return path

    def write_properties(self, path: Path, *, bounded: bool, metrics: bool = False) -> Path:
        path.write_text(json.dumps(self.application_properties(bounded=bounded, metrics=metrics), indent=2))
        return path

    def s3_dataset(self, prefix: str) -> Any:
        """The Parquet files under s3://bucket/prefix, dt=/hour= partitions as columns, read
        the way Athena reads them (files starting with '_' or '.' are not data)."""
        import pyarrow.dataset as ds
        from pyarrow import fs

        s3 = fs.S3FileSystem(endpoint_override=self.moto_endpoint, scheme="http", region=REGION,
                             access_key=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                             secret_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
        return ds.dataset(f"{self.resources.bucket}/{prefix}", filesystem=s3, format="parquet",
                          partitioning="hive")

    def scan(self, table: str) -> list[dict[str, Any]]:
        """Every item of a DynamoDB table, as plain Python values."""
        from boto3.dynamodb.types import TypeDeserializer

        deserializer = TypeDeserializer()
        items: list[dict[str, Any]] = []
        for page in self.dynamodb.get_paginator("scan").paginate(TableName=table):
            items += [{k: deserializer.deserialize(v) for k, v in item.items()} for item in page["Items"]]
        return items

    def stop(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self._processes.clear()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> LocalAws:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> int:
    """Starts local AWS and keeps it up until Ctrl-C, printing the endpoints and a properties
    file for `python -m jobs.cdr_pipeline stream --properties ...`."""
    aws = LocalAws.start()
    try:
        properties = aws.write_properties(Path(tempfile.gettempdir()) / "cdr-local-properties.json",
                                          bounded=False)
        print(f"Kinesis   {aws.kinesis_endpoint}  stream {aws.resources.stream_arn}")
        r = aws.resources
        print(f"DynamoDB  {aws.dynamodb_endpoint}  tables {r.usage_hourly_table}, {r.dead_letters_table}, "
              f"{r.billing_monthly_table}, {r.rating_errors_table}")
        print(f"S3 / Timestream  {aws.moto_endpoint}  bucket {aws.resources.bucket}")
        print(f"Job properties: {properties}")
        print("Credentials for clients: AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local. Ctrl-C stops.")
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        aws.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
