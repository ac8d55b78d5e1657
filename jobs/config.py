"""One typed, frozen configuration, read from application_properties.json property groups.

The file has MSF's format (a list of {"PropertyGroupId", "PropertyMap"}); on MSF it is
/etc/flink/application_properties.json, elsewhere a local file. Connection settings have no
defaults: a missing group or key is an error that names it. Tuning keys have the defaults
listed in docs/configuration.md.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar, TypeVar, get_type_hints

from domain.fraud_rules import FraudRules, RulesError, load_rules
from domain.rating import TariffError, TariffTable, load_tariffs
from stream_io.properties import MSF_PROPERTIES, ConfigError, Group, read_groups

PROJECT_ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


REQUIRED = None  # a key's default: none, the key must be given


def key(name: str, meaning: str, default: str | int | bool | None = REQUIRED, *, placeholder: str | None = None,
        parse: Callable[[str, str], Any] | None = None) -> Any:
    """One configuration key, declared once: its name in its property group, what it means, its
    default (REQUIRED: none; the value itself, or the text `parse` makes it from), the
    ${placeholder} the SQL reads it by, and how a given text becomes the field's value
    (`parse(text, where)`; by the field's type otherwise). Loading, the placeholders,
    docs/configuration.md and the template's check all read these."""
    text = str(default).lower() if isinstance(default, bool) else None if default is REQUIRED else str(default)
    metadata = {"key": name, "meaning": meaning, "default": text, "placeholder": placeholder, "parse": parse}
    if default is REQUIRED:
        return field(metadata=metadata)
    if parse is None:
        return field(default=default, metadata=metadata)
    return field(default_factory=lambda: parse(str(default), "the default"), metadata=metadata)


def _parse(metadata: Mapping[str, Any], text: str, where: str, kind: type) -> Any:
    if metadata["parse"] is not None:
        return metadata["parse"](text, where)
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{where} must be an integer, got {text!r}") from None
    if kind is bool:
        if text.lower() not in ("true", "false"):
            raise ConfigError(f"{where} must be true or false, got {text!r}")
        return text.lower() == "true"
    return text


def one_of(*choices: str) -> Callable[[str, str], str]:
    """A choice among `choices`, in any case; the value is the choice as written here."""
    def parse(text: str, where: str) -> str:
        for choice in choices:
            if text.lower() == choice.lower():
                return choice
        raise ConfigError(f"{where} must be {', '.join(choices[:-1])} or {choices[-1]}, got {text!r}")
    return parse


def s3_folder(text: str, where: str) -> str:
    """A folder URI for Flink's filesystem connector, without a trailing slash."""
    value = text.rstrip("/")
    if not re.fullmatch(r"(s3|s3a|file)://[^\s]+", value):
        raise ConfigError(f"{where} must be an s3://bucket/prefix (or file://) URI, got {value!r}")
    return value


def currency_code(text: str, where: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise ConfigError(f"{where} must be an ISO 4217 code, got {text!r}")
    return text


def fraction(text: str, where: str) -> Decimal:
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise ConfigError(f"{where} must be a decimal number, got {text!r}") from None
    if not rate.is_finite() or not Decimal(0) <= rate < Decimal(1):
        raise ConfigError(f"{where} must be a fraction from 0 to below 1 (0.2 for 20 %), got {text!r}")
    return rate


def project_file(loader: Callable[[Path], T], *errors: type[Exception]) -> Callable[[str, str], T]:
    """A file named relative to the project root (or absolute), loaded and checked by `loader`;
    what it refuses is a ConfigError naming the key."""
    def parse(text: str, where: str) -> T:
        path = Path(text)
        try:
            return loader(path if path.is_absolute() else PROJECT_ROOT / path)
        except errors as error:
            raise ConfigError(f"{where}: {error}") from error
    return parse


tariff_file = project_file(load_tariffs, TariffError)
rules_file = project_file(load_rules, RulesError)


@dataclass(frozen=True)
class SourceConfig:
    """The Kinesis stream the CDRs arrive on."""

    GROUP: ClassVar[str] = "CdrSource"
    stream_arn: str = key("stream.arn", "Kinesis stream ARN", placeholder="stream_arn")
    region: str = key("aws.region", "its region", placeholder="aws_region")
    endpoint: str = key("aws.endpoint", "Kinesis endpoint (`https://kinesis.<region>.amazonaws.com` on AWS)",
                        placeholder="kinesis_endpoint")
    init_position: str = key("init.position", "LATEST, TRIM_HORIZON or AT_TIMESTAMP, for shards first seen with "
                             "no checkpoint (LATEST is fixed as that moment)", "LATEST", placeholder="init_position",
                             parse=one_of("LATEST", "TRIM_HORIZON", "AT_TIMESTAMP"))
    init_timestamp: str = key("init.timestamp", "AT_TIMESTAMP's moment: ISO-8601 with an offset, or epoch seconds",
                              "", placeholder="init_timestamp")
    bounded: bool = key("bounded", "read each shard to its end as of job start, then finish (demo, tests)",
                        False, placeholder="source_bounded")


@dataclass(frozen=True)
class SinkConfig:
    """Where results go in streaming mode."""

    GROUP: ClassVar[str] = "CdrSinks"
    region: str = key("aws.region", "region of the DynamoDB tables", placeholder="sink_region")
    dynamodb_endpoint: str = key("dynamodb.endpoint", "DynamoDB endpoint", placeholder="dynamodb_endpoint")
    usage_hourly_table: str = key("usage-hourly.table", "table keyed (subscriber_id S, window_start S)",
                                  placeholder="usage_hourly_table")
    dead_letters_table: str = key("dead-letters.table", "table keyed (source_partition S, source_offset S)",
                                  placeholder="dead_letters_table")
    billing_monthly_table: str = key("billing-monthly.table", "table keyed (subscriber_id S, bill_month S)",
                                     placeholder="billing_monthly_table")
    rating_errors_table: str = key("rating-errors.table", "table keyed (record_id S)",
                                   placeholder="rating_errors_table")
    archive_path: str = key("archive.path", "folder of the raw CDR archive, `s3://bucket/prefix`",
                            placeholder="archive_path", parse=s3_folder)
    dead_letter_store_path: str = key("dead-letter-store.path", "folder of the dead-letter store, "
                                      "`s3://bucket/prefix`", placeholder="dead_letter_store_path", parse=s3_folder)
    fraud_alerts_table: str = key("fraud-alerts.table", "table keyed (alert_id S)", placeholder="fraud_alerts_table")
    fraud_tagged_path: str = key("fraud-tagged.path", "folder of the alerted legs, `s3://bucket/prefix`",
                                 placeholder="fraud_tagged_path", parse=s3_folder)
    logical_calls_table: str = key("logical-calls.table", "table keyed (linked_id S)",
                                   placeholder="logical_calls_table")
    metrics_minutely_table: str = key("metrics-minutely.table", "table keyed (minute_start S, dimensions S), TTL "
                                      "on expires_at; read by the dashboard", placeholder="metrics_minutely_table")
    pipeline_minutely_table: str = key("pipeline-minutely.table", "table keyed (minute_start S), TTL on expires_at; "
                                       "read by the dashboard", placeholder="pipeline_minutely_table")
    s3_endpoint: str = key("s3.endpoint", "an S3 emulator's URL for local runs (path-style addressing); "
                           "empty on AWS", "")

    def flink_settings(self) -> dict[str, str]:
        """Settings of Flink's S3 file system for a local run against an emulator (on MSF the
        S3 file system is MSF's and uses the application's role)."""
        if not self.s3_endpoint:
            return {}
        return {"s3.endpoint": self.s3_endpoint, "s3.path.style.access": "true"}


@dataclass(frozen=True)
class TuningConfig:
    """Event-time and state settings shared by streaming and replay."""

    GROUP: ClassVar[str] = "CdrJob"
    watermark_lateness_s: int = key("watermark.lateness.seconds", "how late a record may be before its window has "
                                    "closed", 60, placeholder="watermark_lateness_s")
    source_idle_timeout: str = key("source.idle-timeout", "an idle shard stops holding back event time after this",
                                   "30 s")
    dedup_ttl: str = key("dedup.ttl", "how long a recordId is remembered for deduplication", "1 d")
    billing_state_ttl: str = key("billing.state.ttl", "how long a month's running bill is kept in state (must "
                                 "outlast the month and its late records)", "45 d", placeholder="billing_state_ttl")
    python_execution_mode: str = key("python.execution-mode", "Python operators in the JVM (thread) or in a separate "
                                     "process; thread measured 3.2x faster, and correct in replays",
                                     "thread", parse=one_of("thread", "process"))
    call_quiet_period_s: int = key("calls.quiet-period.seconds", "a multi-leg call is complete at a leg's end when "
                                   "no other leg of it ends within this long after it (event time); at most "
                                   "`watermark.lateness.seconds`, which holds it", 30)
    call_max_age_s: int = key("calls.max-age.seconds", "... or at this age since its first set-up (a leg still "
                              "open, a lost STOP)", 21600)


@dataclass(frozen=True)
class BillingConfig:
    """How calls are priced: the tariff (loaded and checked), tax rate and currency."""

    GROUP: ClassVar[str] = "CdrBilling"
    tariffs: TariffTable = key("tariffs", "tariff CSV (relative to the project root)", "tariffs/default.csv",
                               parse=tariff_file)
    tax_rate: Decimal = key("tax.rate", "tax rate as a fraction (0.2 for 20 %)", "0", parse=fraction)
    currency: str = key("currency", "ISO 4217 code carried by rated calls and bills", "EUR", placeholder="currency",
                        parse=currency_code)

    def job_parameters(self) -> dict[str, str]:
        """What the JVM rating function (RateCall.java) reads: the checked tariff, the tax rate."""
        encoded = base64.b64encode(self.tariffs.to_csv().encode("utf-8")).decode("ascii")
        return {"cdr.tariffs": encoded, "cdr.tax-rate": str(self.tax_rate)}


@dataclass(frozen=True)
class MetricsConfig:
    """Per-minute metrics to Timestream; off unless enabled (Timestream for LiveAnalytics
    takes no new AWS customers since 2025-06-20). Where they go is required when enabled."""

    GROUP: ClassVar[str] = "CdrMetrics"
    enabled: bool = key("enabled", "write per-minute metrics to Timestream", False)
    region: str = key("aws.region", "its region (required when enabled)", "")
    endpoint: str = key("timestream.endpoint", "Timestream's ingest endpoint (required when enabled)", "")
    database: str = key("database", "Timestream database (required when enabled)", "")
    table: str = key("table", "Timestream table (required when enabled)", "")


@dataclass(frozen=True)
class FraudConfig:
    """The fraud rules (domain/fraud_rules.py), checked when loaded; on unless disabled."""

    GROUP: ClassVar[str] = "CdrFraud"
    enabled: bool = key("enabled", "run the fraud rules", True)
    rules: FraudRules = key("rules", "the rules file (relative to the project root)", "rules/fraud.yaml",
                            parse=rules_file)


GROUPS: tuple[type, ...] = (SourceConfig, SinkConfig, BillingConfig, FraudConfig, MetricsConfig, TuningConfig)


def declared(cls: type) -> list[Field[Any]]:
    """The fields of a group's dataclass that are configuration keys."""
    return [f for f in fields(cls) if "key" in f.metadata]


def read(cls: type[T], groups: Mapping[str, Mapping[str, str]], path: Path, *, required: bool) -> T:
    """A group's dataclass from the file's property group: each key given, or its default; a
    missing required group or key is an error that names it."""
    group = Group(groups, cls.GROUP, path, required)  # type: ignore[attr-defined]
    kinds = get_type_hints(cls)
    values = {}
    for f in declared(cls):
        name, default = f.metadata["key"], f.metadata["default"]
        text = group.required(name) if default is REQUIRED else group.optional(name, default)
        values[f.name] = _parse(f.metadata, text, f"{path}: '{cls.GROUP}.{name}'",  # type: ignore[attr-defined]
                                kinds[f.name])
    return cls(**values)


def configuration_table() -> str:
    """docs/configuration.md's table, from the declarations (a test keeps the page in step)."""
    rows = ["| group | key | default | meaning |", "|---|---|---|---|"]
    for cls in GROUPS:
        for f in declared(cls):
            default = f.metadata["default"]
            shown = "required" if default is REQUIRED else f"`{default}`" if default else "empty"
            rows.append(f"| {cls.GROUP} | {f.metadata['key']} | {shown} | {f.metadata['meaning']} |")  # type: ignore[attr-defined]
    return "\n".join(rows)


@dataclass(frozen=True)
class JobConfig:
    tuning: TuningConfig = field(default_factory=TuningConfig)
    billing: BillingConfig = field(default_factory=BillingConfig)
    fraud: FraudConfig = field(default_factory=FraudConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    source: SourceConfig | None = None
    sinks: SinkConfig | None = None
    managed: bool = False  # running on MSF, which owns checkpointing, parallelism and state

    def placeholders(self) -> dict[str, str]:
        """The ${names} the SQL files may use: every declared key's placeholder of the groups
        this configuration has, and the Wangiri rule's ring limit (the SQL marks short rings)."""
        values = {"wangiri_max_ring_ms": str(self.fraud.rules.max_ring_ms)}
        for part in (self.tuning, self.billing, self.fraud, self.metrics, self.source, self.sinks):
            if part is None:
                continue
            for f in declared(type(part)):
                if f.metadata["placeholder"]:
                    value = getattr(part, f.name)
                    values[f.metadata["placeholder"]] = str(value).lower() if isinstance(value, bool) else str(value)
        return values

    def with_billing(self, tariffs: Path | None = None, tax_rate: str | None = None) -> JobConfig:
        """This configuration with another tariff file or tax rate (a replay's rerating)."""
        billing = self.billing
        if tariffs is not None:
            billing = replace(billing, tariffs=tariff_file(str(tariffs), "--tariffs"))
        if tax_rate is not None:
            billing = replace(billing, tax_rate=fraction(tax_rate, "--tax-rate"))
        return replace(self, billing=billing)



def load(path: Path | None, *, streaming: bool) -> JobConfig:
    """Reads the job configuration; `path` None means MSF's file, or defaults when replaying."""
    managed = path is None and MSF_PROPERTIES.exists()
    if path is None and managed:
        path = MSF_PROPERTIES
    if path is None:
        if streaming:
            raise ConfigError("streaming needs an application_properties.json (--properties)")
        return JobConfig()
    groups = read_groups(path)
    tuning = read(TuningConfig, groups, path, required=False)
    if not 0 < tuning.call_quiet_period_s < tuning.call_max_age_s:
        raise ConfigError(f"{path}: CdrJob needs 0 < calls.quiet-period.seconds < calls.max-age.seconds")
    if tuning.watermark_lateness_s < tuning.call_quiet_period_s:
        # A multi-leg call is counted in the hour of its last end once the watermark passes that
        # end (jobs/logical_calls.py): only a lateness of at least the quiet period makes that wait.
        raise ConfigError(f"{path}: 'CdrJob.watermark.lateness.seconds' ({tuning.watermark_lateness_s}) must be "
                          f"at least 'CdrJob.calls.quiet-period.seconds' ({tuning.call_quiet_period_s})")
    billing = read(BillingConfig, groups, path, required=False)
    fraud = read(FraudConfig, groups, path, required=False)
    if not streaming:
        return JobConfig(tuning=tuning, billing=billing, fraud=fraud, managed=managed)
    source = read(SourceConfig, groups, path, required=True)
    if source.init_position == "AT_TIMESTAMP" and not source.init_timestamp:
        raise ConfigError(f"{path}: 'CdrSource.init.position' AT_TIMESTAMP needs 'CdrSource.init.timestamp'")
    metrics = read(MetricsConfig, groups, path, required=False)
    if metrics.enabled:
        for f in declared(MetricsConfig):
            if not getattr(metrics, f.name) and f.name != "enabled":
                raise ConfigError(f"{path}: key '{f.metadata['key']}' of property group 'CdrMetrics' is missing"
                                  " (metrics are enabled)")
    return JobConfig(tuning=tuning, billing=billing, fraud=fraud, metrics=metrics, source=source,
                     sinks=read(SinkConfig, groups, path, required=True), managed=managed)


if __name__ == "__main__":
    print(configuration_table())
