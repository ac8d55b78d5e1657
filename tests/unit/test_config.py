"""The configuration object: MSF's property-group format, loud on anything missing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import get_type_hints

import pytest

from deploy.iam_policy_check import load as load_template
from jobs.config import (
    GROUPS,
    ConfigError,
    MetricsConfig,
    ReplayConfig,
    SinkConfig,
    configuration_table,
    declared,
    load_group,
    load_replay,
    load_streaming,
)
from jobs.sql_files import SQL_ROOT, render

STREAMING = [
    {"PropertyGroupId": "CdrSource", "PropertyMap": {
        "stream.arn": "arn:aws:kinesis:eu-west-1:123456789012:stream/cdrs", "aws.region": "eu-west-1",
        "aws.endpoint": "https://kinesis.eu-west-1.amazonaws.com", "init.position": "trim_horizon"}},
    {"PropertyGroupId": "CdrSinks", "PropertyMap": {
        "aws.region": "eu-west-1", "dynamodb.endpoint": "https://dynamodb.eu-west-1.amazonaws.com",
        "usage-hourly.table": "usage", "dead-letters.table": "dead", "billing-monthly.table": "bills",
        "rating-errors.table": "unrated", "archive.path": "s3://cdr-archive-eu/cdr/",
        "dead-letter-store.path": "s3://cdr-archive-eu/dead-letters", "fraud-alerts.table": "alerts",
        "fraud-blocks.table": "blocks",
        "fraud-tagged.path": "s3://cdr-archive-eu/fraud-tagged", "logical-calls.table": "calls",
        "metrics-minutely.table": "metrics", "pipeline-minutely.table": "pipeline",
        "route-quality-minutely.table": "route-quality", "route-causes-minutely.table": "route-causes",
        "route-quality-hourly.table": "route-quality-h", "route-causes-hourly.table": "route-causes-h"}},
    {"PropertyGroupId": "CdrJob", "PropertyMap": {"watermark.lateness.seconds": "120"}},
]


def _write(tmp_path: Path, groups: list) -> Path:
    path = tmp_path / "application_properties.json"
    path.write_text(json.dumps(groups))
    return path


def test_streaming_config_and_placeholders(tmp_path: Path) -> None:
    config = load_streaming(_write(tmp_path, STREAMING))
    assert config.source.init_position == "TRIM_HORIZON"
    assert config.source.bounded is False
    assert config.tuning.watermark_lateness_s == 120
    assert config.tuning.dedup_ttl == "1 d"  # default
    values = config.placeholders()
    assert values["stream_arn"] == "arn:aws:kinesis:eu-west-1:123456789012:stream/cdrs"
    assert values["usage_hourly_table"] == "usage"
    assert values["watermark_lateness_s"] == "120"
    assert values["archive_path"] == "s3://cdr-archive-eu/cdr"  # no trailing slash
    assert config.sinks.flink_settings() == {}  # real S3: nothing to set


def test_the_wait_after_an_empty_read_reaches_the_stream_sql(tmp_path: Path) -> None:
    default = load_streaming(_write(tmp_path, STREAMING)).placeholders()
    assert default["source_empty_fetch_interval"] == "250 ms"  # the official connector's default
    groups = json.loads(json.dumps(STREAMING))
    groups[0]["PropertyMap"]["empty-records-fetch-interval"] = "1 s"
    values = load_streaming(_write(tmp_path, groups)).placeholders()
    text = render(SQL_ROOT / "sources" / "stream" / "cdr_raw.sql", values).text
    assert "'source.reader.empty-records-fetch-interval' = '1 s'" in text


def test_an_emulated_s3_sets_flinks_s3_file_system(tmp_path: Path) -> None:
    groups = json.loads(json.dumps(STREAMING))
    groups[1]["PropertyMap"]["s3.endpoint"] = "http://127.0.0.1:5000"
    config = load_streaming(_write(tmp_path, groups))
    assert config.sinks.flink_settings() == {"s3.endpoint": "http://127.0.0.1:5000", "s3.path.style.access": "true"}


def test_archive_path_must_be_a_folder_uri(tmp_path: Path) -> None:
    groups = json.loads(json.dumps(STREAMING))
    groups[1]["PropertyMap"]["archive.path"] = "cdr-archive/cdr"
    with pytest.raises(ConfigError, match="'CdrSinks.archive.path' must be an s3://"):
        load_streaming(_write(tmp_path, groups))


@pytest.mark.parametrize("group, key", [("CdrSource", "stream.arn"), ("CdrSinks", "usage-hourly.table")])
def test_a_missing_key_is_named(tmp_path: Path, group: str, key: str) -> None:
    groups = json.loads(json.dumps(STREAMING))
    next(g for g in groups if g["PropertyGroupId"] == group)["PropertyMap"].pop(key)
    with pytest.raises(ConfigError, match=f"application_properties.json: '{group}.{key}' is missing"):
        load_streaming(_write(tmp_path, groups))


def test_a_missing_group_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'CdrSinks' is missing"):
        load_streaming(_write(tmp_path, STREAMING[:1]))


def test_bad_values_are_refused(tmp_path: Path) -> None:
    groups = json.loads(json.dumps(STREAMING))
    groups[2]["PropertyMap"]["watermark.lateness.seconds"] = "soon"
    with pytest.raises(ConfigError, match="must be an integer"):
        load_streaming(_write(tmp_path, groups))
    with pytest.raises(ConfigError, match="absent.json: cannot be read"):
        load_streaming(tmp_path / "absent.json")


def test_the_lateness_must_cover_the_quiet_period(tmp_path: Path) -> None:
    groups = json.loads(json.dumps(STREAMING))
    groups[2]["PropertyMap"].update({"watermark.lateness.seconds": "30", "calls.quiet-period.seconds": "30"})
    assert load_streaming(_write(tmp_path, groups)).tuning.call_quiet_period_s == 30
    groups[2]["PropertyMap"]["calls.quiet-period.seconds"] = "31"
    with pytest.raises(ConfigError, match=r"'CdrJob.watermark.lateness.seconds' \(30\) must be at least "
                       r"'CdrJob.calls.quiet-period.seconds' \(31\)"):
        load_streaming(_write(tmp_path, groups))


def test_replay_needs_no_file_and_streaming_does() -> None:
    assert load_replay(None).placeholders() == ReplayConfig().placeholders()  # the defaults
    with pytest.raises(ConfigError, match="--properties: is needed to stream"):
        load_streaming(None)


def test_replay_reads_only_its_groups(tmp_path: Path) -> None:
    """A replay's file needs no source or sinks, and a broken sink group does not stop it."""
    groups = [{"PropertyGroupId": "CdrSinks", "PropertyMap": {"archive.path": "not a folder"}},
              {"PropertyGroupId": "CdrBilling", "PropertyMap": {"tax.rate": "0.2", "currency": "GBP"}}]
    config = load_replay(_write(tmp_path, groups))
    assert (config.billing.tax_rate, config.billing.currency) == (Decimal("0.2"), "GBP")
    assert not hasattr(config, "sinks") and "usage_hourly_table" not in config.placeholders()


def test_an_operator_command_reads_one_group(tmp_path: Path) -> None:
    """The dead-letter and dashboard commands need the sinks only: a broken tariff path elsewhere
    in the file does not stop them (the job would refuse it)."""
    groups = [*STREAMING, {"PropertyGroupId": "CdrBilling", "PropertyMap": {"tariffs": "absent.csv"}}]
    path = _write(tmp_path, groups)
    assert load_group(SinkConfig, path).usage_hourly_table == "usage"
    with pytest.raises(ConfigError, match="'CdrBilling.tariffs'"):
        load_streaming(path)


def test_a_command_line_override_is_named_by_its_flag() -> None:
    single = Path("tariffs/decks/default/1970-01-01.csv")
    assert ReplayConfig().with_billing(single, tax_rate="0.1").billing.book.plans["default"][0].tax_rate == \
        Decimal("0.1")
    with pytest.raises(ConfigError, match="^--tax-rate: must be a fraction"):
        ReplayConfig().with_billing(single, tax_rate="1.5")
    with pytest.raises(ConfigError, match="^--tax-rate: applies to a single-tariff CSV"):
        ReplayConfig().with_billing(tax_rate="0.1")  # the default: a folder
    with pytest.raises(ConfigError, match="^--tariffs: cannot be read"):
        ReplayConfig().with_billing(Path("no-such-folder"))


def test_python_execution_mode_defaults_to_thread_and_is_checked(tmp_path: Path) -> None:
    assert load_streaming(_write(tmp_path, STREAMING)).tuning.python_execution_mode == "thread"
    groups = json.loads(json.dumps(STREAMING))
    groups[2]["PropertyMap"]["python.execution-mode"] = "PROCESS"
    assert load_streaming(_write(tmp_path, groups)).tuning.python_execution_mode == "process"
    groups[2]["PropertyMap"]["python.execution-mode"] = "fork"
    with pytest.raises(ConfigError, match="'CdrJob.python.execution-mode' must be thread or process"):
        load_streaming(_write(tmp_path, groups))


def test_the_buffer_timeout_is_flinks_default_and_never_only_when_full(tmp_path: Path) -> None:
    assert load_streaming(_write(tmp_path, STREAMING)).tuning.buffer_timeout_ms == 100
    groups = json.loads(json.dumps(STREAMING))
    groups[2]["PropertyMap"]["buffer-timeout.ms"] = "0"  # every record sent at once
    assert load_streaming(_write(tmp_path, groups)).tuning.buffer_timeout_ms == 0
    for refused, reason in (("-1", "must be 0 or more milliseconds"), ("10 ms", "must be a whole number")):
        groups[2]["PropertyMap"]["buffer-timeout.ms"] = refused
        with pytest.raises(ConfigError, match=f"'CdrJob.buffer-timeout.ms' {reason}"):
            load_streaming(_write(tmp_path, groups))


def test_a_start_at_a_timestamp_needs_the_timestamp(tmp_path: Path) -> None:
    groups = json.loads(json.dumps(STREAMING))
    groups[0]["PropertyMap"]["init.position"] = "AT_TIMESTAMP"
    with pytest.raises(ConfigError, match="'CdrSource.init.timestamp' is needed when 'CdrSource.init.position'"):
        load_streaming(_write(tmp_path, groups))
    groups[0]["PropertyMap"]["init.timestamp"] = "2026-12-01T00:00:00Z"
    values = load_streaming(_write(tmp_path, groups)).placeholders()
    assert (values["init_position"], values["init_timestamp"]) == ("AT_TIMESTAMP", "2026-12-01T00:00:00Z")
    groups[0]["PropertyMap"]["init.position"] = "EARLIEST"
    with pytest.raises(ConfigError, match="must be LATEST, TRIM_HORIZON or AT_TIMESTAMP"):
        load_streaming(_write(tmp_path, groups))


def test_the_configuration_page_shows_every_declared_key() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert configuration_table() in page


def test_the_template_gives_only_declared_keys_and_every_required_one() -> None:
    template = load_template(Path(__file__).resolve().parents[2] / "deploy" / "kinesis-analytics" / "template.yaml")
    [application] = [r for r in template["Resources"].values() if r["Type"] == "AWS::KinesisAnalyticsV2::Application"]
    given = {g["PropertyGroupId"]: g["PropertyMap"] for g in
             application["Properties"]["ApplicationConfiguration"]["EnvironmentProperties"]["PropertyGroups"]}
    for cls in GROUPS:
        keys = {f.metadata["key"]: f.metadata["default"] for f in declared(cls)}
        assert set(given.get(cls.GROUP, {})) <= set(keys), cls.GROUP
        if cls.GROUP in ("CdrSource", "CdrSinks"):  # the groups a stream needs
            assert {k for k, default in keys.items() if default is None} <= set(given[cls.GROUP])


def test_defaults_have_their_fields_types() -> None:
    config = ReplayConfig()  # a replay without a properties file
    assert (config.tuning.watermark_lateness_s, config.tuning.call_quiet_period_s, config.fraud.enabled,
            config.billing.tax_rate, config.billing.currency) == (60, 30, True, 0, "EUR")
    assert all(type(getattr(part, f.name)) is get_type_hints(type(part))[f.name]
               for part in (config.tuning, MetricsConfig()) for f in declared(type(part)))
