"""Typed, frozen configurations (streaming, replay), read from application_properties.json
property groups.

The file has MSF's format (a list of {"PropertyGroupId", "PropertyMap"}); on MSF it is
/etc/flink/application_properties.json, elsewhere a local file. Connection settings have no
defaults: a missing group or key is an error that names it. Tuning keys have the defaults
listed in docs/configuration.md.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar, get_type_hints

from domain.fraud_rules import FraudRules, load_rules
from domain.rating import load_tariffs
from domain.route_alarms import AlarmLimits
from domain.tariff_files import parse_book
from domain.tariff_plans import RatingBook
from stream_io.properties import MSF_PROPERTIES, ConfigError, Group, read_groups
from stream_io.tariff_folder import read_folder

PROJECT_ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


REQUIRED = None  # a key's default: none, the key must be given


def key(name: str, meaning: str, default: str | int | bool | None = REQUIRED, *, placeholder: str | None = None,
        parse: Callable[[str], Any] | None = None) -> Any:
    """One configuration key, declared once: its name in its property group, what it means, its
    default (REQUIRED: none; the value itself, or the text `parse` makes it from), the
    ${placeholder} the SQL reads it by, and how a given text becomes the field's value
    (`parse(text)`, or a ValueError saying what is wrong; by the field's type if no parser).
    Loading, the placeholders, docs/configuration.md and the template's check all read these."""
    text = str(default).lower() if isinstance(default, bool) else None if default is REQUIRED else str(default)
    metadata = {"key": name, "meaning": meaning, "default": text, "placeholder": placeholder, "parse": parse}
    if default is REQUIRED:
        return field(metadata=metadata)
    if parse is None:
        return field(default=default, metadata=metadata)
    return field(default_factory=lambda: parse(str(default)), metadata=metadata)


def _parse(metadata: Mapping[str, Any], text: str, kind: type) -> Any:
    if metadata["parse"] is not None:
        return metadata["parse"](text)
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"must be an integer, got {text!r}") from None
    if kind is bool:
        if text.lower() not in ("true", "false"):
            raise ValueError(f"must be true or false, got {text!r}")
        return text.lower() == "true"
    return text


def one_of(*choices: str) -> Callable[[str], str]:
    """A choice among `choices`, in any case; the value is the choice as written here."""
    def parse(text: str) -> str:
        for choice in choices:
            if text.lower() == choice.lower():
                return choice
        raise ValueError(f"must be {', '.join(choices[:-1])} or {choices[-1]}, got {text!r}")
    return parse


def s3_folder(text: str) -> str:
    """A folder URI for Flink's filesystem connector, without a trailing slash."""
    value = text.rstrip("/")
    if not re.fullmatch(r"(s3|s3a|file)://[^\s]+", value):
        raise ValueError(f"must be an s3://bucket/prefix (or file://) URI, got {value!r}")
    return value


def sns_topic(text: str) -> str:
    """An SNS topic ARN (its region is where notices are published), or empty."""
    value = text.strip()
    if value and not re.fullmatch(r"arn:[\w-]+:sns:[\w-]+:\d{12}:[\w-]{1,256}", value):
        raise ValueError(f"must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME), got {value!r}")
    return value


def currency_code(text: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise ValueError(f"must be an ISO 4217 code, got {text!r}")
    return text


def fraction(text: str) -> Decimal:
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"must be a decimal number, got {text!r}") from None
    if not rate.is_finite() or not Decimal(0) <= rate < Decimal(1):
        raise ValueError(f"must be a fraction from 0 to below 1 (0.2 for 20 %), got {text!r}")
    return rate


def positive_number(text: str) -> float:
    """A ratio or a limit (not money: money is Decimal)."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"must be a number above 0, got {text!r}")
    return value


def share(text: str) -> float:
    """A weight from above 0 to 1."""
    value = positive_number(text)
    if value > 1:
        raise ValueError(f"must be above 0 and at most 1, got {text!r}")
    return value


def milliseconds(text: str) -> int:
    """A wait of 0 ms or more (never Flink's -1, "only when full", which holds a record at a
    low rate for ever)."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"must be a whole number of milliseconds, got {text!r}") from None
    if value < 0:
        raise ValueError(f"must be 0 or more milliseconds, got {text!r}")
    return value


def project_file(loader: Callable[[Path], T]) -> Callable[[str], T]:
    """A file named relative to the project root (or absolute), loaded and checked by `loader`
    (whose ValueError says what is wrong in it)."""
    def parse(text: str) -> T:
        path = Path(text)
        return loader(path if path.is_absolute() else PROJECT_ROOT / path)
    return parse


def tariff_source(text: str) -> TariffSource:
    """A tariff folder (docs/tariffs.md), read and checked whole; or a single-tariff CSV (the
    default plan's deck, checked). A URI (s3://, file://) is re-read by the running job; a path
    (relative to the project root, packaged with the job) is fixed at its start."""
    uri = "://" in text
    path = Path(text)
    where: str | Path = text if uri else (path if path.is_absolute() else PROJECT_ROOT / path)
    if str(where).endswith(".csv"):
        if uri:
            raise ValueError("must be a tariff folder when it is a URI (a single-tariff CSV is a project file)")
        return TariffSource(str(where), {SINGLE_DECK: load_tariffs(Path(where)).to_csv()}, reread=False)
    try:
        files = read_folder(where)
    except OSError as error:
        raise ValueError(f"cannot be read: {error}") from error
    parse_book(files)
    return TariffSource(str(where), files, reread=uri)


rules_file = project_file(load_rules)


@dataclass(frozen=True)
class SourceConfig:
    """The Kinesis stream the CDRs arrive on."""

    GROUP: ClassVar[str] = "CdrSource"
    stream_arn: str = key("stream.arn", "Kinesis stream ARN", placeholder="stream_arn")
    region: str = key("aws.region", "its region", placeholder="aws_region")
    endpoint: str = key("aws.endpoint", "Kinesis endpoint (`https://kinesis.<region>.amazonaws.com` on AWS)",
                        placeholder="kinesis_endpoint")
    init_position: str = key("init.position", "LATEST, TRIM_HORIZON or AT_TIMESTAMP, for shards first seen with "
                             "no checkpoint (LATEST: from when the job first started)", "LATEST",
                             placeholder="init_position",
                             parse=one_of("LATEST", "TRIM_HORIZON", "AT_TIMESTAMP"))
    init_timestamp: str = key("init.timestamp", "AT_TIMESTAMP's moment: ISO-8601 with an offset, or epoch seconds",
                              "", placeholder="init_timestamp")
    bounded: bool = key("bounded", "read each shard to its end as of job start, then finish (demo, tests)",
                        False, placeholder="source_bounded")
    empty_fetch_interval: str = key("empty-records-fetch-interval", "after a round of GetRecords that found nothing "
                                    "new, the wait before the next (the official connector's option): longer means "
                                    "fewer calls and a record waiting up to this long", "250 ms",
                                    placeholder="source_empty_fetch_interval")


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
    billing_monthly_table: str = key("billing-monthly.table", "table keyed (subscriber_id S, month_currency S)",
                                     placeholder="billing_monthly_table")
    rating_errors_table: str = key("rating-errors.table", "table keyed (record_id S)",
                                   placeholder="rating_errors_table")
    archive_path: str = key("archive.path", "folder of the raw CDR archive, `s3://bucket/prefix`",
                            placeholder="archive_path", parse=s3_folder)
    dead_letter_store_path: str = key("dead-letter-store.path", "folder of the dead-letter store, "
                                      "`s3://bucket/prefix`", placeholder="dead_letter_store_path", parse=s3_folder)
    fraud_alerts_table: str = key("fraud-alerts.table", "table keyed (alert_id S)", placeholder="fraud_alerts_table")
    fraud_blocks_table: str = key("fraud-blocks.table", "the block list the PBX reads: table keyed (target S), "
                                  "TTL on expires_at", placeholder="fraud_blocks_table")
    fraud_tagged_path: str = key("fraud-tagged.path", "folder of the alerted legs, `s3://bucket/prefix`",
                                 placeholder="fraud_tagged_path", parse=s3_folder)
    logical_calls_table: str = key("logical-calls.table", "table keyed (linked_id S)",
                                   placeholder="logical_calls_table")
    metrics_minutely_table: str = key("metrics-minutely.table", "table keyed (minute_start S, dimensions S), TTL "
                                      "on expires_at; read by the dashboard", placeholder="metrics_minutely_table")
    route_quality_minutely_table: str = key("route-quality-minutely.table", "table keyed (minute_start S, "
                                            "dimensions S), TTL on expires_at; read by the dashboard",
                                            placeholder="route_quality_minutely_table")
    route_causes_minutely_table: str = key("route-causes-minutely.table", "table keyed (minute_start S, "
                                           "dimensions S), TTL on expires_at; read by the dashboard",
                                           placeholder="route_causes_minutely_table")
    route_quality_hourly_table: str = key("route-quality-hourly.table", "table keyed (hour_start S, dimensions S), "
                                          "TTL on expires_at", placeholder="route_quality_hourly_table")
    route_causes_hourly_table: str = key("route-causes-hourly.table", "table keyed (hour_start S, dimensions S), "
                                         "TTL on expires_at", placeholder="route_causes_hourly_table")
    pipeline_minutely_table: str = key("pipeline-minutely.table", "table keyed (minute_start S), TTL on expires_at; "
                                       "read by the dashboard", placeholder="pipeline_minutely_table")
    fraud_alert_status_table: str = key("fraud-alert-status.table", "the fraud desk's alert statuses (ops.alerts; "
                                        "read by the dashboard): table keyed (alert_id S); the job never writes it",
                                        "")
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
    source_idle_timeout: str = key("source.idle-timeout", "a shard caught up (nothing left to read) for this long "
                                   "stops holding back event time; a shard with a backlog never does",
                                   "30 s", placeholder="source_idle_timeout")
    dedup_ttl: str = key("dedup.ttl", "how long a recordId is remembered for deduplication", "1 d")
    billing_state_ttl: str = key("billing.state.ttl", "how long a month's running bill is kept in state (must "
                                 "outlast the month and its late records)", "45 d", placeholder="billing_state_ttl")
    python_execution_mode: str = key("python.execution-mode", "Python operators in the JVM (thread) or in a separate "
                                     "process; thread measured 3.2x faster, and correct in replays",
                                     "thread", parse=one_of("thread", "process"))
    buffer_timeout_ms: int = key("buffer-timeout.ms", "streaming: how long a record may wait in a part-filled "
                                 "network buffer before it is sent to the next operator; less is sooner alerts "
                                 "(a few hops on the fraud path), more is less CPU per CDR (docs/benchmarks.md)",
                                 "100", parse=milliseconds)
    call_quiet_period_s: int = key("calls.quiet-period.seconds", "a multi-leg call is complete at a leg's end when "
                                   "no other leg of it ends within this long after it (event time); at most "
                                   "`watermark.lateness.seconds`, which holds it", 30)
    call_max_age_s: int = key("calls.max-age.seconds", "... or at this age since its first set-up (a leg still "
                              "open, a lost STOP)", 21600)


@dataclass(frozen=True)
class TariffSource:
    """Where the rating plans come from and the texts read there (checked)."""

    location: str
    files: Mapping[str, str]  # a folder's files; a single-tariff CSV's as the default plan's deck
    reread: bool  # a URI: the running job reads it again (RateLeg.java)

    @property
    def single_tariff(self) -> bool:
        return set(self.files) == {SINGLE_DECK}


SINGLE_DECK = "decks/default/1970-01-01.csv"


@dataclass(frozen=True)
class BillingConfig:
    """How calls are priced: the rating plans (docs/tariffs.md), read and checked."""

    GROUP: ClassVar[str] = "CdrBilling"
    tariffs: TariffSource = key("tariffs", "the rating plans: a tariff folder (docs/tariffs.md), a project path or a "
                                "URI (s3://, file://) that the running job re-reads; or a single-tariff CSV, the "
                                "default plan's deck", "tariffs", parse=tariff_source)
    tax_rate: Decimal = key("tax.rate", "a single-tariff CSV's tax rate, as a fraction (0.2 for 20 %); a folder's "
                            "plans have their own", "0", parse=fraction)
    currency: str = key("currency", "a single-tariff CSV's currency (ISO 4217); a folder's plans have their own",
                        "EUR", parse=currency_code)
    reload_s: int = key("tariffs.reload.seconds", "how often a running job re-reads a tariff folder given as a URI",
                        60)

    def files(self) -> dict[str, str]:
        """The folder's texts; a single-tariff CSV as the deck of a default plan of this currency
        and tax rate, rounded half-up to 6 places, in UTC (how it always rated)."""
        if not self.tariffs.single_tariff:
            return dict(self.tariffs.files)
        plans = (f"default_plan: default\nplans:\n  default:\n    time_zone: UTC\n    versions:\n"
                 f"      - {{valid_from: 1970-01-01, deck: default, currency: {self.currency}, "
                 f"tax_rate: '{self.tax_rate}', rounding: half_up, decimals: 6}}\n")
        return {"plans.yaml": plans, **self.tariffs.files}

    @cached_property
    def book(self) -> RatingBook:
        return parse_book(self.files())

    def job_parameters(self) -> dict[str, str]:
        """What the JVM rating function (RateLeg.java) reads: the checked texts, and where to
        re-read them."""
        encoded = base64.b64encode(json.dumps(self.files(), sort_keys=True).encode("utf-8")).decode("ascii")
        reread = {"cdr.tariff-folder": self.tariffs.location} if self.tariffs.reread else {}
        return {"cdr.tariff-files": encoded, **reread, "cdr.tariff-reload-ms": str(self.reload_s * 1000)}


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
class Notifications:
    """Where and how alerts are published (FraudConfig.notifications)."""

    topic_arn: str
    region: str
    endpoint: str
    dashboard_url: str


@dataclass(frozen=True)
class FraudConfig:
    """The fraud rules (domain/fraud_rules.py), checked when loaded; on unless disabled."""

    GROUP: ClassVar[str] = "CdrFraud"
    enabled: bool = key("enabled", "run the fraud rules", True)
    rules: FraudRules = key("rules", "the rules file (relative to the project root)", "rules/fraud.yaml",
                            parse=rules_file)
    topic_arn: str = key("notifications.topic-arn", "SNS topic every alert and block is published to (streaming; "
                         "empty: none)", "", parse=sns_topic)
    sns_endpoint: str = key("sns.endpoint", "an SNS emulator's URL for local runs; empty on AWS", "")
    dashboard_url: str = key("dashboard.url", "the dashboard's address, for the link in a notification", "")
    subscriber_classes: str = key("subscriber-classes", "reference data: CSV `subscriber_id,class` (a path, or an "
                                  "s3:// or file:// URI), over the rules file's `subscribers`; empty: none", "")
    classes_reload_s: int = key("subscriber-classes.reload.seconds", "how often a running job re-reads it "
                                "(0: never)", 60)

    @property
    def notifications(self) -> Notifications | None:
        """Where streaming publishes alerts (None: nowhere)."""
        if not self.topic_arn:
            return None
        return Notifications(self.topic_arn, self.topic_arn.split(":")[3], self.sns_endpoint, self.dashboard_url)


@dataclass(frozen=True)
class RouteAlarmConfig:
    """Route alarms (domain/route_alarms.py): each route's quality per window against its own
    baseline. They go where the fraud alerts go (alerts table, SNS), so they run when those do."""

    GROUP: ClassVar[str] = "CdrRouteAlarms"
    enabled: bool = key("enabled", "judge each route's quality against its baseline", True)
    window_minutes: int = key("window.minutes", "the window a route's quality is judged over", 15,
                              placeholder="route_alarm_window_minutes")
    min_attempts: int = key("min-attempts", "fewer legs than this in a window (of those a figure counts): not "
                            "judged, so a quiet route never alarms", 30)
    baseline_windows: int = key("baseline.windows", "earlier windows a baseline needs before it is trusted", 4)
    weight: float = key("baseline.weight", "an exponentially weighted mean: a new window's weight", "0.1",
                        parse=share)
    asr_drop: float = key("asr.drop", "alarm when ASR drops this much below the baseline (0.15 = 15 points)",
                          "0.15", parse=positive_number)
    ner_drop: float = key("ner.drop", "... NER", "0.10", parse=positive_number)
    pdd_rise: float = key("pdd.rise", "alarm when mean PDD reaches this many times the baseline's", "1.5",
                          parse=positive_number)
    poor_mos_rise: float = key("poor-mos.rise", "alarm when the share of calls with MOS below 3.5 rises this much",
                               "0.15", parse=positive_number)
    significance: float = key("significance", "a share's move must also be this many standard errors (window and "
                              "baseline as two binomial samples); 4: about one false alarm in 30,000 judgements",
                              "4", parse=positive_number)

    @property
    def limits(self) -> AlarmLimits:
        return AlarmLimits(self.min_attempts, self.baseline_windows, self.weight, self.asr_drop, self.ner_drop,
                           self.pdd_rise, self.poor_mos_rise, self.significance)


GROUPS: tuple[type, ...] = (SourceConfig, SinkConfig, BillingConfig, FraudConfig, RouteAlarmConfig, MetricsConfig,
                            TuningConfig)


def declared(cls: type) -> list[Field[Any]]:
    """The fields of a group's dataclass that are configuration keys."""
    return [f for f in fields(cls) if "key" in f.metadata]


def read(cls: type[T], groups: Mapping[str, Mapping[str, str]], path: Path, *, required: bool) -> T:
    """A group's dataclass from the file's property group: each key given, or its default; a
    missing required group or key, or a value its parser refuses, is an error that names it."""
    name = cls.GROUP  # type: ignore[attr-defined]
    group = Group(groups, name, path, required)
    kinds = get_type_hints(cls)
    values = {}
    for f in declared(cls):
        key_name, default = f.metadata["key"], f.metadata["default"]
        text = group.required(key_name) if default is REQUIRED else group.optional(key_name, default)
        try:
            values[f.name] = _parse(f.metadata, text, kinds[f.name])
        except ValueError as error:
            raise ConfigError(path, str(error), f"{name}.{key_name}") from error
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
class ReplayConfig:
    """What a bounded replay reads (all optional): event-time and state tuning, billing and
    the fraud rules. Its files come from the command line."""

    tuning: TuningConfig = field(default_factory=TuningConfig)
    billing: BillingConfig = field(default_factory=BillingConfig)
    fraud: FraudConfig = field(default_factory=FraudConfig)
    route_alarms: RouteAlarmConfig = field(default_factory=RouteAlarmConfig)

    def placeholders(self) -> dict[str, str]:
        """The ${names} the SQL files may use: every declared key's placeholder of the groups
        this configuration has, and the Wangiri rule's ring limit (the SQL marks short rings)."""
        values = {"wangiri_max_ring_ms": str(self.fraud.rules.max_ring_ms)}
        for part in vars(self).values():
            if not hasattr(part, "GROUP"):
                continue  # not a property group (StreamingConfig.managed)
            for f in declared(type(part)):
                if f.metadata["placeholder"]:
                    value = getattr(part, f.name)
                    values[f.metadata["placeholder"]] = str(value).lower() if isinstance(value, bool) else str(value)
        return values

    def with_billing(self, tariffs: Path | None = None, tax_rate: str | None = None) -> Self:
        """This configuration with another tariff file or tax rate (a replay's rerating)."""
        billing = self.billing
        if tariffs is not None:
            billing = replace(billing, tariffs=_from_flag("--tariffs", tariff_source, str(tariffs)))
        if tax_rate is not None:
            if not billing.tariffs.single_tariff:
                raise ConfigError("--tax-rate", "applies to a single-tariff CSV; a tariff folder's plans have theirs")
            billing = replace(billing, tax_rate=_from_flag("--tax-rate", fraction, tax_rate))
        return replace(self, billing=billing)


def _from_flag(flag: str, parse: Callable[[str], T], text: str) -> T:
    try:
        return parse(text)
    except ValueError as error:
        raise ConfigError(flag, str(error)) from error


@dataclass(frozen=True, kw_only=True)
class StreamingConfig(ReplayConfig):
    """What the streaming job reads besides: the Kinesis source and the sinks (required), the
    metrics, and whether MSF runs it."""

    source: SourceConfig
    sinks: SinkConfig
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    managed: bool = False  # running on MSF, which owns checkpointing, parallelism and state


def load_replay(path: Path | None) -> ReplayConfig:
    """A replay's configuration: the file's groups if one is named (or MSF's file exists), the
    defaults otherwise."""
    path = path or (MSF_PROPERTIES if MSF_PROPERTIES.exists() else None)
    if path is None:
        return ReplayConfig()
    groups = read_groups(path)
    return ReplayConfig(tuning=_tuning(groups, path), billing=read(BillingConfig, groups, path, required=False),
                        fraud=read(FraudConfig, groups, path, required=False),
                        route_alarms=read(RouteAlarmConfig, groups, path, required=False))


def load_streaming(path: Path | None) -> StreamingConfig:
    """The streaming job's configuration; `path` None means MSF's file (the job runs managed)."""
    managed = path is None
    if path is None:
        if not MSF_PROPERTIES.exists():
            raise ConfigError("--properties", "is needed to stream (an application_properties.json)")
        path = MSF_PROPERTIES
    groups = read_groups(path)
    source = load_group(SourceConfig, path, groups)
    if source.init_position == "AT_TIMESTAMP" and not source.init_timestamp:
        raise ConfigError(path, "is needed when 'CdrSource.init.position' is AT_TIMESTAMP", "CdrSource.init.timestamp")
    metrics = read(MetricsConfig, groups, path, required=False)
    if metrics.enabled:
        for f in declared(MetricsConfig):
            if not getattr(metrics, f.name) and f.name != "enabled":
                raise ConfigError(path, "is missing (metrics are enabled)",
                                  f"{MetricsConfig.GROUP}.{f.metadata['key']}")
    return StreamingConfig(tuning=_tuning(groups, path), billing=read(BillingConfig, groups, path, required=False),
                           fraud=read(FraudConfig, groups, path, required=False),
                           route_alarms=read(RouteAlarmConfig, groups, path, required=False), source=source,
                           sinks=load_group(SinkConfig, path, groups), metrics=metrics, managed=managed)


def load_group(cls: type[T], path: Path | None, groups: Mapping[str, Mapping[str, str]] | None = None) -> T:
    """One required group (an operator command needs no more); `path` None means MSF's file."""
    path = path or MSF_PROPERTIES
    return read(cls, read_groups(path) if groups is None else groups, path, required=True)


def _tuning(groups: Mapping[str, Mapping[str, str]], path: Path) -> TuningConfig:
    tuning = read(TuningConfig, groups, path, required=False)
    if not 0 < tuning.call_quiet_period_s < tuning.call_max_age_s:
        raise ConfigError(path, "must be above 0 and below 'CdrJob.calls.max-age.seconds'",
                          "CdrJob.calls.quiet-period.seconds")
    if tuning.watermark_lateness_s < tuning.call_quiet_period_s:
        # A multi-leg call is counted in the hour of its last end once the watermark passes that
        # end (jobs/logical_calls.py): only a lateness of at least the quiet period makes that wait.
        raise ConfigError(path, f"({tuning.watermark_lateness_s}) must be at least 'CdrJob.calls.quiet-period"
                          f".seconds' ({tuning.call_quiet_period_s})", "CdrJob.watermark.lateness.seconds")
    return tuning


if __name__ == "__main__":
    print(configuration_table())
