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
    """The configuration is missing something or holds a value that cannot work."""


def read_json(path: Path) -> Any:
    """A JSON configuration file's document; a file that cannot be read is a ConfigError."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from error


def read_groups(path: Path) -> dict[str, dict[str, str]]:
    """The property groups of an application_properties.json file, by id."""
    document = read_json(path)
    if not isinstance(document, list):
        raise ConfigError(f"{path}: expected a list of property groups")
    groups: dict[str, dict[str, str]] = {}
    for group in document:
        try:
            groups[group["PropertyGroupId"]] = {str(k): str(v) for k, v in group["PropertyMap"].items()}
        except (KeyError, TypeError, AttributeError) as error:
            raise ConfigError(f"{path}: malformed property group {group!r}") from error
    return groups


class Group:
    """One property group, read as typed values; every error names the file, group and key."""

    def __init__(self, groups: Mapping[str, Mapping[str, str]], name: str, path: Path, required: bool):
        if required and name not in groups:
            raise ConfigError(f"{path}: property group '{name}' is missing")
        self._values = groups.get(name, {})
        self._name = name
        self._path = path

    def required(self, key: str) -> str:
        value = self._values.get(key, "").strip()
        if not value:
            raise ConfigError(f"{self._path}: key '{key}' of property group '{self._name}' is missing")
        return value

    def optional(self, key: str, default: str) -> str:
        return self._values.get(key, default).strip() or default

    def invalid(self, key: str, problem: str) -> None:
        raise ConfigError(f"{self._path}: '{self._name}.{key}' {problem}")

    def boolean(self, key: str, default: bool) -> bool:
        value = self.optional(key, str(default)).lower()
        if value not in ("true", "false"):
            raise ConfigError(f"{self._path}: '{self._name}.{key}' must be true or false, got {value!r}")
        return value == "true"

    def integer(self, key: str, default: int) -> int:
        value = self.optional(key, str(default))
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{self._path}: '{self._name}.{key}' must be an integer, got {value!r}") from None
