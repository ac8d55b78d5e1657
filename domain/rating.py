"""The single-tariff CSV: one rate per destination prefix, an initial and a subsequent
increment (`tariffs/decks/default/1970-01-01.csv`), parsed and checked; and what every tariff
file shares: the prefix and money patterns, TariffError.

domain/tariff_files.py reads such a file as a rating plan's deck (each prefix one rate for
every band, two steps); domain/tariff_plans.py prices calls (docs/tariffs.md).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

E164_PREFIX = re.compile(r"[1-9][0-9]{0,14}")
SERVICE_PREFIX = re.compile(r"[A-Z]{2}:[0-9*#]{1,15}")
MONEY = re.compile(r"[0-9]{1,12}(\.[0-9]+)?")
SECONDS = re.compile(r"[0-9]{1,9}")
HEADER = ["prefix", "destination", "rate_per_minute", "connect_fee", "initial_increment_s",
          "subsequent_increment_s"]


class TariffError(ValueError):
    """A tariff file that cannot be used; the message names the file, line and problem."""


@dataclass(frozen=True)
class Tariff:
    prefix: str
    destination: str
    rate_per_minute: Decimal
    connect_fee: Decimal
    initial_increment_s: int
    subsequent_increment_s: int


class TariffTable:
    """A single-tariff file's rows by prefix: E.164 digit prefixes ("44", "447"), and service
    prefixes of a country, `CC:prefix` ("GB:118" for directory enquiries)."""

    def __init__(self, tariffs: list[Tariff], source: str = "tariff"):
        self.source = source
        self._by_prefix = {t.prefix: t for t in tariffs}

    def __len__(self) -> int:
        return len(self._by_prefix)

    def tariffs(self) -> list[Tariff]:
        """Every tariff, by prefix."""
        return sorted(self._by_prefix.values(), key=lambda t: t.prefix)

    def to_csv(self) -> str:
        """The table as single-tariff CSV text, written alike whatever spacing the file had."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        for t in self.tariffs():
            writer.writerow([t.prefix, t.destination, t.rate_per_minute, t.connect_fee,
                             t.initial_increment_s, t.subsequent_increment_s])
        return out.getvalue()


def money_text(text: str) -> str | None:
    """Why `text` is no amount a tariff may hold (plain digits, up to 6 decimal places), or None.
    A plain pattern, not whatever Decimal() takes ("1e3", "1_000"), so the JVM's reading of the
    same files (TariffFiles.java) accepts exactly what this one does."""
    if not MONEY.fullmatch(text):
        return "must be a plain decimal number (0.05), not negative"
    if "." in text and len(text.split(".")[1]) > 6:
        return "has more than 6 decimal places"
    return None


def _decimal(text: str, what: str, problem: list[str]) -> Decimal:
    why = money_text(text.strip())
    if why:
        problem.append(f"{what} {text!r} {why}")
        return Decimal(0)
    return Decimal(text.strip())


def _increment(text: str, what: str, problem: list[str]) -> int:
    if not SECONDS.fullmatch(text.strip()) or int(text) == 0:
        problem.append(f"{what} {text!r} must be a whole number of seconds above 0")
        return 1
    return int(text)


def parse_tariffs(text: str, source: str) -> TariffTable:
    """Reads tariff CSV text; any problem is a TariffError naming `source`, line and problem."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [cell.strip() for cell in rows[0]] != HEADER:
        raise TariffError(f"{source}, line 1: the header must be {','.join(HEADER)}")
    tariffs: dict[str, Tariff] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        problem: list[str] = []
        if len(row) != len(HEADER):
            raise TariffError(f"{source}, line {line}: {len(row)} fields, expected {len(HEADER)}")
        prefix, destination = row[0].strip(), row[1].strip()
        if not (E164_PREFIX.fullmatch(prefix) or SERVICE_PREFIX.fullmatch(prefix)):
            problem.append(f"prefix {prefix!r} must be 1 to 15 digits, not starting with 0, or a service "
                           "prefix: a country code, ':' and 1 to 15 digits, * and # (GB:118)")
        if not destination:
            problem.append("destination is empty")
        rate = _decimal(row[2], "rate_per_minute", problem)
        fee = _decimal(row[3], "connect_fee", problem)
        initial = _increment(row[4], "initial_increment_s", problem)
        subsequent = _increment(row[5], "subsequent_increment_s", problem)
        if prefix in tariffs and not problem:
            problem.append(f"duplicate prefix {prefix!r}")
        if problem:
            raise TariffError(f"{source}, line {line}: {'; '.join(problem)}")
        tariffs[prefix] = Tariff(prefix, destination, rate, fee, initial, subsequent)
    if not tariffs:
        raise TariffError(f"{source}: no tariff rows")
    return TariffTable(list(tariffs.values()), source)


def load_tariffs(path: Path) -> TariffTable:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TariffError(f"{path}: cannot read: {error}") from error
    return parse_tariffs(text, str(path))
