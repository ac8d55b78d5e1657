"""Rating: tariffs by destination prefix, and the exact price of one call leg.

The reference of the billing rules (docs/rules.md, "Rating and billing"), in Decimal throughout. The job rates on
the JVM (deploy/kinesis-analytics/.../rating/RateCall.java) from the tariff this module loaded
and checked; the reconciliation command (ops/reconcile.py) re-rates with this module, so
each is the other's independent check.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

E164_PREFIX = re.compile(r"[1-9][0-9]{0,14}")
SERVICE_PREFIX = re.compile(r"[A-Z]{2}:[0-9*#]{1,15}")
MONEY = re.compile(r"[0-9]{1,12}(\.[0-9]+)?")
SECONDS = re.compile(r"[0-9]{1,9}")
HEADER = ["prefix", "destination", "rate_per_minute", "connect_fee", "initial_increment_s",
          "subsequent_increment_s"]
MONEY_PLACES = Decimal("0.000001")
SIXTY = Decimal(60)


class TariffError(ValueError):
    """A tariff file that cannot be used; the message names the file, line and problem."""


class RatingError(enum.StrEnum):
    UNRATED_DESTINATION = "UNRATED_DESTINATION"


@dataclass(frozen=True)
class Tariff:
    prefix: str
    destination: str
    rate_per_minute: Decimal
    connect_fee: Decimal
    initial_increment_s: int
    subsequent_increment_s: int

    def billable_seconds(self, talk_seconds: int) -> int:
        """Seconds charged for `talk_seconds` of talk: the first increment whole, then whole
        subsequent increments."""
        if talk_seconds <= 0:
            return 0
        if talk_seconds <= self.initial_increment_s:
            return self.initial_increment_s
        rest = talk_seconds - self.initial_increment_s
        steps = -(-rest // self.subsequent_increment_s)  # ceiling division on integers
        return self.initial_increment_s + steps * self.subsequent_increment_s


def free_service(region: str | None) -> Tariff:
    """A service number no entry prices (emergency, 116xxx, voicemail, ...): free."""
    return Tariff(f"{region or ''}:", "service number (free)", Decimal(0), Decimal(0), 1, 1)


class TariffTable:
    """Tariffs by prefix; a called number is rated by the longest prefix that matches.

    An E.164 number matches digit prefixes ("44", "447"). A service number (kept as dialled,
    without "+": domain/numbering.py) matches entries of its caller's country, written
    `CC:prefix` ("GB:118" for directory enquiries); none matching, it is free.
    """

    def __init__(self, tariffs: list[Tariff], source: str = "tariff"):
        self.source = source
        self._by_prefix = {t.prefix: t for t in tariffs}
        self._longest = max((len(p) for p in self._by_prefix), default=0)

    def __len__(self) -> int:
        return len(self._by_prefix)

    def tariffs(self) -> list[Tariff]:
        """Every tariff, by prefix."""
        return sorted(self._by_prefix.values(), key=lambda t: t.prefix)

    def lookup(self, number: str, region: str | None = None) -> Tariff | None:
        """The tariff of `number` (dialled from `region`, which only a service number needs)."""
        service = not number.startswith("+")
        digits = number.lstrip("+")
        key = f"{region or ''}:" if service else ""
        for length in range(min(self._longest, len(digits)), 0, -1):
            tariff = self._by_prefix.get(key + digits[:length])
            if tariff is not None:
                return tariff
        return free_service(region) if service else None

    def to_csv(self) -> str:
        """The table as tariff CSV text (what the JVM rating function is given)."""
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


@dataclass(frozen=True)
class Rating:
    """The price of one call leg, or why it has none."""

    tariff: Tariff | None
    billable_seconds: int
    amount: Decimal
    tax: Decimal
    error: RatingError | None = None


def round_money(value: Decimal) -> Decimal:
    return value.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def rate_call(table: TariffTable, called_number: str, mobile_originated: bool, answered: bool,
              talk_seconds: int, tax_rate: Decimal, calling_country: str | None = None) -> Rating:
    """Rates one final call leg.

    MT legs cost the subscriber nothing. MO legs are rated by the longest tariff prefix of the
    called number; none is an error, never a free call — but a service number (dialled in
    `calling_country`) that no service entry prices is free. An unanswered leg costs nothing,
    not even the connect fee. Amount and tax are rounded half-up to 6 places per call, tax on
    the rounded amount.
    """
    zero = Decimal("0.000000")
    if not mobile_originated:
        return Rating(None, 0, zero, zero)
    tariff = table.lookup(called_number, calling_country)
    if tariff is None:
        return Rating(None, 0, zero, zero, RatingError.UNRATED_DESTINATION)
    if not answered:
        return Rating(tariff, 0, zero, zero)
    billable = tariff.billable_seconds(talk_seconds)
    amount = round_money(tariff.connect_fee + tariff.rate_per_minute * billable / SIXTY)
    return Rating(tariff, billable, amount, round_money(amount * tax_rate))
