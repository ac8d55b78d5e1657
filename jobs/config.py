"""One typed, frozen configuration, read from application_properties.json property groups.

The file has MSF's format (a list of {"PropertyGroupId", "PropertyMap"}); on MSF it is
/etc/flink/application_properties.json, elsewhere a local file. Connection settings have no
defaults: a missing group or key is an error that names it. Tuning keys have the defaults
listed in docs/configuration.md.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from domain.fraud_rules import DEFAULT_RULES, FraudRules, RulesError, load_rules
from domain.rating import TariffError, TariffTable, load_tariffs
from stream_io.properties import MSF_PROPERTIES, ConfigError, Group, read_groups

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TARIFFS = PROJECT_ROOT / "tariffs" / "default.csv"


@dataclass(frozen=True)
class SourceConfig:
    """The Kinesis stream the CDRs arrive on."""

    stream_arn: str
    region: str
    endpoint: str
    init_position: str
    bounded: bool
    init_timestamp: str = ""  # AT_TIMESTAMP: ISO-8601 with an offset, or epoch seconds


@dataclass(frozen=True)
class SinkConfig:
    """Where results go in streaming mode."""

    region: str
    dynamodb_endpoint: str
    usage_hourly_table: str
    dead_letters_table: str
    billing_monthly_table: str
    rating_errors_table: str
    archive_path: str
    dead_letter_store_path: str
    fraud_alerts_table: str
    fraud_tagged_path: str
    logical_calls_table: str
    metrics_minutely_table: str
    pipeline_minutely_table: str
    s3_endpoint: str = ""  # empty on AWS; an emulator's URL locally (path-style addressing)

    def flink_settings(self) -> dict[str, str]:
        """Settings of Flink's S3 file system for a local run against an emulator (on MSF the
        S3 file system is MSF's and uses the application's role)."""
        if not self.s3_endpoint:
            return {}
        return {"s3.endpoint": self.s3_endpoint, "s3.path.style.access": "true"}


@dataclass(frozen=True)
class TuningConfig:
    """Event-time and state settings shared by streaming and replay."""

    watermark_lateness_s: int = 60
    source_idle_timeout: str = "30 s"
    dedup_ttl: str = "1 d"
    billing_state_ttl: str = "45 d"
    python_execution_mode: str = "thread"
    # A multi-leg call is complete once no leg has ended for this long (event time), or at
    # this age since its first set-up (a leg still open, a STOP that never comes).
    call_quiet_period_s: int = 30
    call_max_age_s: int = 6 * 3600


@dataclass(frozen=True)
class BillingConfig:
    """How calls are priced: the tariff (loaded and checked), tax rate and currency."""

    tariffs: TariffTable
    tax_rate: Decimal = Decimal("0")
    currency: str = "EUR"

    def job_parameters(self) -> dict[str, str]:
        """What the JVM rating function (RateCall.java) reads: the checked tariff, the tax rate."""
        encoded = base64.b64encode(self.tariffs.to_csv().encode("utf-8")).decode("ascii")
        return {"cdr.tariffs": encoded, "cdr.tax-rate": str(self.tax_rate)}


@dataclass(frozen=True)
class MetricsConfig:
    """Per-minute metrics to Timestream; off unless enabled (Timestream for LiveAnalytics
    takes no new AWS customers since 2025-06-20)."""

    enabled: bool = False
    region: str = ""
    endpoint: str = ""
    database: str = ""
    table: str = ""


@dataclass(frozen=True)
class FraudConfig:
    """The fraud rules (domain/fraud_rules.py), checked when loaded; on unless disabled."""

    rules: FraudRules
    enabled: bool = True


def _default_fraud() -> FraudConfig:
    return FraudConfig(rules=load_rules(DEFAULT_RULES))


def _default_billing() -> BillingConfig:
    return BillingConfig(tariffs=load_tariffs(DEFAULT_TARIFFS))


@dataclass(frozen=True)
class JobConfig:
    tuning: TuningConfig
    billing: BillingConfig = field(default_factory=_default_billing)
    fraud: FraudConfig = field(default_factory=_default_fraud)
    metrics: MetricsConfig = MetricsConfig()
    source: SourceConfig | None = None
    sinks: SinkConfig | None = None
    managed: bool = False  # running on MSF, which owns checkpointing, parallelism and state

    def placeholders(self) -> dict[str, str]:
        """The ${names} the SQL files may use."""
        values = {"watermark_lateness_s": str(self.tuning.watermark_lateness_s),
                  "billing_state_ttl": self.tuning.billing_state_ttl, "currency": self.billing.currency,
                  "wangiri_max_ring_ms": str(self.fraud.rules.max_ring_ms)}
        if self.source is not None:
            values.update(stream_arn=self.source.stream_arn, aws_region=self.source.region,
                          kinesis_endpoint=self.source.endpoint,
                          init_position=self.source.init_position, init_timestamp=self.source.init_timestamp,
                          source_bounded=str(self.source.bounded).lower())
        if self.sinks is not None:
            values.update(sink_region=self.sinks.region, dynamodb_endpoint=self.sinks.dynamodb_endpoint,
                          usage_hourly_table=self.sinks.usage_hourly_table,
                          dead_letters_table=self.sinks.dead_letters_table,
                          billing_monthly_table=self.sinks.billing_monthly_table,
                          rating_errors_table=self.sinks.rating_errors_table,
                          archive_path=self.sinks.archive_path,
                          dead_letter_store_path=self.sinks.dead_letter_store_path,
                          fraud_alerts_table=self.sinks.fraud_alerts_table,
                          fraud_tagged_path=self.sinks.fraud_tagged_path,
                          logical_calls_table=self.sinks.logical_calls_table,
                          metrics_minutely_table=self.sinks.metrics_minutely_table,
                          pipeline_minutely_table=self.sinks.pipeline_minutely_table)
        return values

    def with_billing(self, tariffs: Path | None = None, tax_rate: str | None = None) -> JobConfig:
        """This configuration with another tariff file or tax rate (a replay's rerating)."""
        billing = self.billing
        if tariffs is not None:
            billing = replace(billing, tariffs=_tariffs(tariffs))
        if tax_rate is not None:
            billing = replace(billing, tax_rate=_tax_rate(tax_rate, "--tax-rate"))
        return replace(self, billing=billing)



def _tariffs(path: Path) -> TariffTable:
    try:
        return load_tariffs(path if path.is_absolute() else PROJECT_ROOT / path)
    except TariffError as error:
        raise ConfigError(str(error)) from error


def _tax_rate(text: str, where: str) -> Decimal:
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise ConfigError(f"{where} must be a decimal number, got {text!r}") from None
    if not rate.is_finite() or not Decimal(0) <= rate < Decimal(1):
        raise ConfigError(f"{where} must be a fraction from 0 to below 1 (0.2 for 20 %), got {text!r}")
    return rate


def _billing(groups: Mapping[str, Mapping[str, str]], path: Path) -> BillingConfig:
    billing = Group(groups, "CdrBilling", path, required=False)
    currency = billing.optional("currency", "EUR")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ConfigError(f"{path}: 'CdrBilling.currency' must be an ISO 4217 code, got {currency!r}")
    return BillingConfig(
        tariffs=_tariffs(Path(billing.optional("tariffs", str(DEFAULT_TARIFFS)))),
        tax_rate=_tax_rate(billing.optional("tax.rate", "0"), f"{path}: 'CdrBilling.tax.rate'"),
        currency=currency)


def load(path: Path | None, *, streaming: bool) -> JobConfig:
    """Reads the job configuration; `path` None means MSF's file, or defaults when replaying."""
    managed = path is None and MSF_PROPERTIES.exists()
    if path is None and managed:
        path = MSF_PROPERTIES
    if path is None:
        if streaming:
            raise ConfigError("streaming needs an application_properties.json (--properties)")
        return JobConfig(tuning=TuningConfig())
    groups = read_groups(path)
    job = Group(groups, "CdrJob", path, required=False)
    defaults = TuningConfig()
    tuning = TuningConfig(
        watermark_lateness_s=job.integer("watermark.lateness.seconds", defaults.watermark_lateness_s),
        source_idle_timeout=job.optional("source.idle-timeout", defaults.source_idle_timeout),
        dedup_ttl=job.optional("dedup.ttl", defaults.dedup_ttl),
        billing_state_ttl=job.optional("billing.state.ttl", defaults.billing_state_ttl),
        python_execution_mode=job.optional("python.execution-mode", defaults.python_execution_mode).lower(),
        call_quiet_period_s=job.integer("calls.quiet-period.seconds", defaults.call_quiet_period_s),
        call_max_age_s=job.integer("calls.max-age.seconds", defaults.call_max_age_s),
    )
    if not 0 < tuning.call_quiet_period_s < tuning.call_max_age_s:
        raise ConfigError(f"{path}: CdrJob needs 0 < calls.quiet-period.seconds < calls.max-age.seconds")
    if tuning.python_execution_mode not in ("thread", "process"):
        raise ConfigError(f"{path}: 'CdrJob.python.execution-mode' must be thread or process, "
                          f"got {tuning.python_execution_mode!r}")
    billing = _billing(groups, path)
    fraud = _fraud(groups, path)
    if tuning.watermark_lateness_s < tuning.call_quiet_period_s:
        # A multi-leg call is counted in the hour of its last end once the watermark passes that
        # end (jobs/logical_calls.py): only a lateness of at least the quiet period makes that wait.
        raise ConfigError(f"{path}: 'CdrJob.watermark.lateness.seconds' ({tuning.watermark_lateness_s}) must be "
                          f"at least 'CdrJob.calls.quiet-period.seconds' ({tuning.call_quiet_period_s})")
    if not streaming:
        return JobConfig(tuning=tuning, billing=billing, fraud=fraud, managed=managed)
    src = Group(groups, "CdrSource", path, required=True)
    position = src.optional("init.position", "LATEST").upper()
    if position not in ("LATEST", "TRIM_HORIZON", "AT_TIMESTAMP"):
        raise ConfigError(f"{path}: 'CdrSource.init.position' must be LATEST, TRIM_HORIZON or AT_TIMESTAMP,"
                          f" got {position!r}")
    timestamp = src.optional("init.timestamp", "")
    if position == "AT_TIMESTAMP" and not timestamp:
        raise ConfigError(f"{path}: 'CdrSource.init.position' AT_TIMESTAMP needs 'CdrSource.init.timestamp'")
    source = SourceConfig(
        stream_arn=src.required("stream.arn"),
        region=src.required("aws.region"),
        endpoint=src.required("aws.endpoint"),
        init_position=position,
        bounded=src.boolean("bounded", False),
        init_timestamp=timestamp,
    )
    out = Group(groups, "CdrSinks", path, required=True)
    sinks = SinkConfig(
        region=out.required("aws.region"),
        dynamodb_endpoint=out.required("dynamodb.endpoint"),
        usage_hourly_table=out.required("usage-hourly.table"),
        dead_letters_table=out.required("dead-letters.table"),
        billing_monthly_table=out.required("billing-monthly.table"),
        rating_errors_table=out.required("rating-errors.table"),
        archive_path=_s3_path(out, "archive.path"),
        dead_letter_store_path=_s3_path(out, "dead-letter-store.path"),
        fraud_alerts_table=out.required("fraud-alerts.table"),
        fraud_tagged_path=_s3_path(out, "fraud-tagged.path"),
        logical_calls_table=out.required("logical-calls.table"),
        metrics_minutely_table=out.required("metrics-minutely.table"),
        pipeline_minutely_table=out.required("pipeline-minutely.table"),
        s3_endpoint=out.optional("s3.endpoint", ""),
    )
    return JobConfig(tuning=tuning, billing=billing, fraud=fraud, metrics=_metrics(groups, path), source=source,
                     sinks=sinks, managed=managed)


def _fraud(groups: Mapping[str, Mapping[str, str]], path: Path) -> FraudConfig:
    fraud = Group(groups, "CdrFraud", path, required=False)
    rules_path = Path(fraud.optional("rules", str(DEFAULT_RULES)))
    try:
        rules = load_rules(rules_path if rules_path.is_absolute() else PROJECT_ROOT / rules_path)
    except RulesError as error:
        raise ConfigError(str(error)) from error
    return FraudConfig(rules=rules, enabled=fraud.boolean("enabled", True))


def _s3_path(group: Group, key: str) -> str:
    """A folder URI for Flink's filesystem connector, without a trailing slash."""
    value = group.required(key).rstrip("/")
    if not re.fullmatch(r"(s3|s3a|file)://[^\s]+", value):
        group.invalid(key, f"must be an s3://bucket/prefix (or file://) URI, got {value!r}")
    return value


def _metrics(groups: Mapping[str, Mapping[str, str]], path: Path) -> MetricsConfig:
    metrics = Group(groups, "CdrMetrics", path, required=False)
    if not metrics.boolean("enabled", False):
        return MetricsConfig()
    return MetricsConfig(enabled=True, region=metrics.required("aws.region"),
                         endpoint=metrics.required("timestream.endpoint"),
                         database=metrics.required("database"), table=metrics.required("table"))
