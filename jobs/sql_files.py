"""Loads the SQL files under sql/ and fills their ${placeholders}.

One statement per file, so nothing is ever split on ';' (which breaks on string literals and
comments); a trailing ';' is tolerated. An unknown placeholder is an error naming the file.

A file that uses ${grain} is one statement per grain of GRAINS (the route-quality tables per
minute and per hour): its figures are written once and cannot drift apart between grains. Its
file name says `grain` where the statement's names have the grain (20_route_quality_by_grain.sql
makes route_quality_by_minute and route_quality_by_hour).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SQL_ROOT = Path(__file__).resolve().parent.parent / "sql"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_LEADING_COMMENTS = re.compile(r"\A(?:\s*--[^\n]*\n|\s+)*")
_GRAIN = "${grain}"

# The grains of a file that uses ${grain}: the unit of its tumbling window ('minute', 'hour' are
# SQL interval units) and, with 'ly', the name of the table it feeds.
GRAINS = ("minute", "hour")


@dataclass(frozen=True)
class Statement:
    path: Path
    text: str

    @property
    def insert_target(self) -> str | None:
        return statement_target(self.text)


def statement_target(statement: str) -> str | None:
    """The table an INSERT statement writes (None for other statements)."""
    match = re.match(r"\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)", statement, re.IGNORECASE)
    return match.group(1) if match else None


def grains(path: Path) -> tuple[str | None, ...]:
    """The grains a file is rendered at: each of GRAINS if it uses ${grain}, else once (None)."""
    return GRAINS if _GRAIN in path.read_text(encoding="utf-8") else (None,)


def insert_target(path: Path, grain: str | None = None) -> str | None:
    """The table an INSERT file writes at `grain` (None for other statements), read before
    rendering: a profile skips the INSERTs into tables it does not define, placeholders and all."""
    return statement_target(_LEADING_COMMENTS.sub("", _at_grain(path.read_text(encoding="utf-8"), grain)))


def _at_grain(text: str, grain: str | None) -> str:
    return text if grain is None else text.replace(_GRAIN, grain)


def render(path: Path, values: Mapping[str, str], grain: str | None = None) -> Statement:
    """The statement in `path` at `grain` (see grains) with every ${name} replaced by values[name]."""
    text = _at_grain(path.read_text(encoding="utf-8"), grain)

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"{path}: unknown placeholder ${{{name}}}")
        return values[name]

    body = _PLACEHOLDER.sub(fill, text).strip()
    if body.endswith(";"):
        body = body[:-1].rstrip()
    body = _LEADING_COMMENTS.sub("", body)
    if not body:
        raise ValueError(f"{path}: no statement")
    return Statement(path, body)


def folder(name: str, root: Path = SQL_ROOT) -> list[Path]:
    """The .sql files of <root>/<name>/ in name order (numbered prefixes give the order)."""
    return sorted((root / name).glob("*.sql"))


def comment_lines(path: Path) -> int:
    """How many lines of the file come before its statement (the header a render strips)."""
    text = path.read_text(encoding="utf-8")
    return text[:len(_LEADING_COMMENTS.match(text).group(0))].count("\n")  # type: ignore[union-attr]
