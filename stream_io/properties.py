"""Application properties as Managed Service for Apache Flink gives them: a JSON list of
property groups ({"PropertyGroupId", "PropertyMap"}), at /etc/flink/application_properties.json
on MSF, or a file named on the command line. Read by the job and by the Asterisk forwarder."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MSF_PROPERTIES = Path("/etc/flink/application_properties.json")


class ConfigError(ValueError):
    """The configuration is missing something or holds a value that cannot work. Every one is
    built the same way: where (the file, or a command-line flag), the key if one is at fault,
    then what is wrong: `/etc/app.json: 'CdrSinks.archive.path' must be an s3:// folder`."""

    def __init__(self, where: str | Path, problem: str, key: str | None = None):
        super().__init__(f"{where}: '{key}' {problem}" if key else f"{where}: {problem}")


def read_json(path: Path) -> Any:
    """A JSON configuration file's document; a file that cannot be read is a ConfigError."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(path, f"cannot be read: {error}") from error


def read_groups(path: Path) -> dict[str, dict[str, str]]:
    """The property groups of an application_properties.json file, by id."""
    document = read_json(path)
    if not isinstance(document, list):
        raise ConfigError(path, "must be a list of property groups")
    groups: dict[str, dict[str, str]] = {}
    for group in document:
        try:
            groups[group["PropertyGroupId"]] = {str(k): str(v) for k, v in group["PropertyMap"].items()}
        except (KeyError, TypeError, AttributeError) as error:
            raise ConfigError(path, f"malformed property group {group!r}") from error
    return groups


class Group:
    """One property group's texts; a missing required group or key is an error naming it."""

    def __init__(self, groups: Mapping[str, Mapping[str, str]], name: str, path: Path, required: bool):
        if required and name not in groups:
            raise ConfigError(path, f"property group '{name}' is missing")
        self._values = groups.get(name, {})
        self._name = name
        self._path = path

    def required(self, key: str) -> str:
        value = self._values.get(key, "").strip()
        if not value:
            raise ConfigError(self._path, "is missing", f"{self._name}.{key}")
        return value

    def optional(self, key: str, default: str) -> str:
        return self._values.get(key, default).strip() or default
