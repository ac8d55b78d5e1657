"""The forwarder's own configuration: one JSON object, read without the job's (the forwarder
runs on the PBX host, where neither apache-flink nor the job's tariffs and rules are installed).

    {"stream_arn": "arn:aws:kinesis:eu-west-1:123456789012:stream/cdr-events",
     "region": "eu-west-1",
     "kinesis_endpoint": "",                              optional: another Kinesis URL
     "dead_letter_store": "s3://bucket/dead-letters/",    optional: the job's store
     "s3_endpoint": "",                                   optional: another S3 URL
     "pbx": {"country": "GB", "extension_template": "+44207946{}", ...}}   AsteriskConfig fields

Credentials come from the AWS default chain (an instance role), never from this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from asterisk_adapter.cdr import AsteriskConfig
from stream_io.properties import ConfigError, read_json


@dataclass(frozen=True)
class ForwarderSettings:
    stream_arn: str
    region: str
    kinesis_endpoint: str = ""
    dead_letter_store: str = ""  # "" → dead letters only in the state folder
    s3_endpoint: str = ""
    pbx: AsteriskConfig = field(default_factory=AsteriskConfig)


def load(path: Path) -> ForwarderSettings:
    document = read_json(path)
    if not isinstance(document, dict):
        raise ConfigError(path, "must be a JSON object")
    known = {f.name for f in fields(ForwarderSettings)}
    unknown = sorted(set(document) - known)
    if unknown:
        raise ConfigError(path, f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for key in ("stream_arn", "region"):
        if not str(document.get(key, "")).strip():
            raise ConfigError(path, "is missing", key)
    values: dict[str, Any] = {key: str(value).strip() for key, value in document.items() if key != "pbx"}
    store = values.get("dead_letter_store", "")
    if store and not store.startswith(("s3://", "file://")):
        raise ConfigError(path, f"must be an s3:// or file:// folder, got {store!r}", "dead_letter_store")
    try:
        pbx = AsteriskConfig.from_mapping(document.get("pbx", {}))
    except TypeError as error:
        raise ConfigError(path, str(error), "pbx") from error
    return ForwarderSettings(**values, pbx=pbx)
