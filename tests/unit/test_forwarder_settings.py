"""The forwarder's own settings: what it needs, what it refuses, each error naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asterisk_adapter.cdr import AsteriskConfig
from asterisk_adapter.settings import ForwarderSettings, load
from stream_io.properties import ConfigError

ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/cdr-events"


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "forwarder.json"
    path.write_text(json.dumps(document))
    return path


def test_a_stream_and_a_region_are_enough(tmp_path: Path) -> None:
    settings = load(write(tmp_path, {"stream_arn": ARN, "region": "eu-west-1"}))
    assert settings == ForwarderSettings(ARN, "eu-west-1")
    assert settings.pbx == AsteriskConfig()


def test_pbx_settings_and_a_dead_letter_store(tmp_path: Path) -> None:
    settings = load(write(tmp_path, {"stream_arn": ARN, "region": "eu-west-1",
                                     "dead_letter_store": "s3://bucket/dead-letters/",
                                     "pbx": {"country": "US", "trunk_prefixes": ["9"]}}))
    assert (settings.dead_letter_store, settings.pbx.country, settings.pbx.trunk_prefixes) == \
        ("s3://bucket/dead-letters/", "US", ("9",))


@pytest.mark.parametrize(("document", "message"), [
    ({"region": "eu-west-1"}, "'stream_arn' is missing"),
    ({"stream_arn": ARN}, "'region' is missing"),
    ({"stream_arn": ARN, "region": "eu-west-1", "stream": "x"}, "unknown key"),
    ({"stream_arn": ARN, "region": "eu-west-1", "dead_letter_store": "/tmp/x"}, "s3:// or file://"),
    ({"stream_arn": ARN, "region": "eu-west-1", "pbx": {"colour": "red"}}, "'pbx'"),
    ([ARN], "must be a JSON object"),
])
def test_what_cannot_work_is_refused_by_name(tmp_path: Path, document: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(write(tmp_path, document))
