"""The PBX-side programs' own configuration (the forwarder's, the block check's): one JSON
object each, read without the job's (they run on the PBX host, where neither apache-flink nor
the job's tariffs and rules are installed).

    {"stream_arn": "arn:aws:kinesis:eu-west-1:123456789012:stream/cdr-events",
     "region": "eu-west-1",
     "kinesis_endpoint": "",                              optional: another Kinesis URL
     "dead_letter_store": "s3://bucket/dead-letters/",    optional: the job's store
     "s3_endpoint": "",                                   optional: another S3 URL
     "pbx": {"country": "GB", "extension_template": "+44207946{}", ...}}   AsteriskConfig fields

The block check's:

    {"table": "cdr-pipeline-fraud-blocks", "region": "eu-west-1",
     "dynamodb_endpoint": "",                             optional: another DynamoDB URL
     "refresh_seconds": 5, "timeout_seconds": 1,          how often the list is read; how long a read may take
     "hangup_cause": 21,                                  Q.850 cause a refused call is hung up with (21: rejected)
     "cache_file": "/var/lib/cdr-block-check/blocks.json",  the last list read (per-call AGI mode)
     "pbx": {...}}                                        AsteriskConfig fields, as the forwarder's

Credentials come from the AWS default chain (an instance role), never from these files.
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


@dataclass(frozen=True)
class BlockCheckSettings:
    table: str
    region: str
    dynamodb_endpoint: str = ""
    refresh_seconds: float = 5.0
    timeout_seconds: float = 1.0
    hangup_cause: int = 21
    cache_file: str = ""  # "" → no file: only a long-running FastAGI server keeps the list
    pbx: AsteriskConfig = field(default_factory=AsteriskConfig)


def load(path: Path) -> ForwarderSettings:
    values, pbx = _read(path, ForwarderSettings, ("stream_arn", "region"))
    store = values.get("dead_letter_store", "")
    if store and not store.startswith(("s3://", "file://")):
        raise ConfigError(path, f"must be an s3:// or file:// folder, got {store!r}", "dead_letter_store")
    return ForwarderSettings(**values, pbx=pbx)


def load_block_check(path: Path) -> BlockCheckSettings:
    values, pbx = _read(path, BlockCheckSettings, ("table", "region"))
    typed: dict[str, Any] = dict(values)
    try:
        for name, kind in (("refresh_seconds", float), ("timeout_seconds", float), ("hangup_cause", int)):
            if name in typed:
                typed[name] = kind(typed[name])
    except ValueError as error:
        raise ConfigError(path, f"must be a number ({error})") from error
    if not 0 < typed.get("hangup_cause", 21) < 128:
        raise ConfigError(path, "must be a Q.850 cause, 1 to 127", "hangup_cause")
    return BlockCheckSettings(**typed, pbx=pbx)


def _read(path: Path, settings: type, required: tuple[str, ...]) -> tuple[dict[str, str], AsteriskConfig]:
    """The file's keys (unknown ones refused, required ones present) as text, and its pbx."""
    document = read_json(path)
    if not isinstance(document, dict):
        raise ConfigError(path, "must be a JSON object")
    known = {f.name for f in fields(settings)}
    unknown = sorted(set(document) - known)
    if unknown:
        raise ConfigError(path, f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for key in required:
        if not str(document.get(key, "")).strip():
            raise ConfigError(path, "is missing", key)
    values = {key: str(value).strip() for key, value in document.items() if key != "pbx"}
    try:
        return values, AsteriskConfig.from_mapping(document.get("pbx", {}))
    except TypeError as error:
        raise ConfigError(path, str(error), "pbx") from error
