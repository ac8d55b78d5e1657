"""The JVM rating (RATE_LEG, CHECK_TARIFF_FOLDER) and the reference (domain/tariff_plans.py,
domain/tariff_files.py) agree: the same price, plan, versions and bands for every call of
seeded random folders, and the same verdict, word for word, on mutations of those folders."""

from __future__ import annotations

import base64
import json
import random
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from domain.rating import TariffError
from domain.tariff_files import parse_book
from domain.tariff_plans import PlanRating, rate_leg
from jobs.flink_env import create_table_env
from synthetic.tariff_plans import Call, calls, folder

FOLDERS = 10
CALLS_PER_FOLDER = 300
MUTANTS = 200


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _jvm_ratings(files: dict[str, str], batch: list[Call]) -> list[tuple]:
    """RATE_LEG given the folder's texts as the job gives them (the job parameter cdr.tariff-files)."""
    t_env = create_table_env(managed=False, batch=True)
    encoded = base64.b64encode(json.dumps(files).encode("utf-8")).decode("ascii")
    t_env.get_config().set("pipeline.global-job-parameters", f"cdr.tariff-files:{encoded}")
    t_env.execute_sql("CREATE TEMPORARY FUNCTION rate_leg AS 'org.cdrpipeline.flink.rating.RateLeg' LANGUAGE JAVA")
    # Literals only (an expression in VALUES makes one input per row); -1: not answered.
    rows = ",\n".join(
        f"({n}, {_text(c.subscriber_id)}, {_text(c.called_number)}, {_text(c.calling_country)}, "
        f"{_text('MOBILE_ORIGINATED' if c.mobile_originated else 'MOBILE_TERMINATED')}, "
        f"{c.started_ms}, {-1 if c.answered_ms is None else c.answered_ms}, {c.talk_seconds})"
        for n, c in enumerate(batch))
    query = f"""
        SELECT n, r.plan, r.plan_assigned, r.plan_version, r.deck_version, r.bands, r.currency, r.tariff_prefix,
               r.destination, r.billable_seconds, r.amount, r.tax, r.rating_error
        FROM (VALUES {rows}) AS c(n, subscriber_id, called_number, calling_country, call_direction, started_ms,
                                  answered_ms, talk_seconds)
        CROSS JOIN LATERAL TABLE(rate_leg(subscriber_id, called_number, calling_country, call_direction,
            TO_TIMESTAMP_LTZ(started_ms, 3), TO_TIMESTAMP_LTZ(NULLIF(answered_ms, -1), 3), talk_seconds)) AS r"""
    with t_env.execute_sql(query).collect() as results:
        return sorted((tuple(row) for row in results), key=lambda row: row[0])


def _as_row(n: int, rating: PlanRating) -> tuple:
    return (n, rating.plan, rating.assigned, rating.plan_version.isoformat() if rating.plan_version else None,
            rating.deck_version.isoformat() if rating.deck_version else None,
            ",".join(rating.bands) or None, rating.currency, rating.prefix, rating.destination,
            rating.billable_seconds, rating.amount, rating.tax, rating.error.value if rating.error else None)


@pytest.mark.parametrize("seed", range(FOLDERS))
def test_the_jvm_rates_every_call_as_the_reference(seed: int) -> None:
    files = folder(seed)
    book = parse_book(files)
    batch = calls(seed, CALLS_PER_FOLDER)
    expected = [_as_row(n, rate_leg(book, c.subscriber_id, c.called_number, c.calling_country,
                                    mobile_originated=c.mobile_originated, started_ms=c.started_ms,
                                    answered_ms=c.answered_ms, talk_seconds=c.talk_seconds))
                for n, c in enumerate(batch)]
    actual = _jvm_ratings(files, batch)
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        # Money compared as numbers (the JVM's column has 6 places; the reference, the plan's).
        assert got[:10] == want[:10] and Decimal(got[10]) == want[10] and Decimal(got[11]) == want[11] \
            and got[12] == want[12], (batch[got[0]], got, want)


def test_the_generated_calls_reach_every_rule() -> None:
    """What the agreement covers: calls crossing bands, each rating error, assigned and default
    plans, free service numbers (counted over the folders the agreement rates)."""
    seen: Counter[str] = Counter()
    for seed in range(FOLDERS):
        book = parse_book(folder(seed))
        for c in calls(seed, CALLS_PER_FOLDER):
            rating = rate_leg(book, c.subscriber_id, c.called_number, c.calling_country,
                              mobile_originated=c.mobile_originated, started_ms=c.started_ms,
                              answered_ms=c.answered_ms, talk_seconds=c.talk_seconds)
            seen["bands crossed"] += len(rating.bands) > 1
            seen["assigned"] += rating.assigned
            seen["free service"] += rating.destination == "service number (free)"
            seen[rating.error.value if rating.error else "priced"] += 1
    assert min(seen[key] for key in ("bands crossed", "assigned", "free service", "UNRATED_DESTINATION",
                                     "NO_PLAN_IN_FORCE")) >= 10, seen


def _mutants(seed: int) -> list[dict[str, str]]:
    """Valid folders with one line of one file changed: a field replaced, dropped or doubled."""
    rng = random.Random(seed)
    swaps = ["", "-1", "1e3", "0.1234567", "2026-13-01", "25:00", "Mars/Olympus", "+01:00", "sideways", "*",
             "0", "60", "EUR", "eur", "mon", "holiday", "deck9", "plan9", "4a4", "GB:", "  ", "[]", "{}", "a: b"]
    out = []
    while len(out) < MUTANTS:
        files = folder(rng.randrange(1000))
        name = "plans.yaml" if rng.random() < 0.4 else rng.choice(sorted(files))
        lines = files[name].split("\n")
        candidates = [n for n, line in enumerate(lines) if line.strip() and (n > 0 or not name.endswith(".csv"))]
        if not candidates:
            continue
        index = rng.choice(candidates)
        if name.endswith(".csv"):
            cells = lines[index].split(",")
            spot = rng.randrange(len(cells))
            change = rng.random()
            if change < 0.7:
                cells[spot] = rng.choice(swaps)
            elif change < 0.85:
                del cells[spot]
            else:
                lines.insert(index, lines[index])
            if change < 0.85:
                lines[index] = ",".join(cells)
        else:
            lines[index] = _mutate_yaml_line(lines[index], rng.choice(swaps), rng)
        out.append({**files, name: "\n".join(lines)})
    return out


def _mutate_yaml_line(line: str, swap: str, rng: random.Random) -> str:
    """Mostly a value replaced by a quoted one (still YAML, so the checks of the plans
    themselves are reached); sometimes raw (YAML syntax), a key dropped or a line dropped."""
    pairs = list(re.finditer(r"(\w+): ([^,{}\[\]]+|\[[^\]]*\])", line))
    change = rng.random()
    if pairs and change < 0.6:  # a value (in a flow mapping too) quoted
        found = rng.choice(pairs)
        return line[:found.start(2)] + '"' + swap + '"' + line[found.end(2):]
    if pairs and change < 0.75:  # a key of a flow mapping, or of a block line, dropped
        found = rng.choice(pairs)
        return (line[:found.start()] + line[found.end():]).replace("{, ", "{").replace(", }", "}").replace(", ,", ",")
    if change < 0.9:
        key, _, value = line.partition(":")
        return f"{key}: {swap}" if value else swap
    return ""


def test_the_jvm_refuses_what_the_reference_refuses_with_the_same_words(tmp_path: Path) -> None:
    mutants = _mutants(7)
    expected = []
    for n, files in enumerate(mutants):
        _write(tmp_path / str(n), files)
        try:
            parse_book(files)
            expected.append(None)
        except TariffError as error:
            expected.append(str(error))
    t_env = create_table_env(managed=False, batch=True)
    t_env.execute_sql("CREATE TEMPORARY FUNCTION check_tariff_folder AS "
                      "'org.cdrpipeline.flink.rating.CheckTariffFolder' LANGUAGE JAVA")
    paths = ", ".join(f"({n}, '{(tmp_path / str(n)).as_uri()}')" for n in range(len(mutants)))
    with t_env.execute_sql(f"SELECT n, check_tariff_folder(location) FROM (VALUES {paths}) AS f(n, location)"
                           ).collect() as results:
        actual = dict(tuple(row) for row in results)
    refused = sum(1 for message in expected if message)
    assert 0.3 * MUTANTS < refused < MUTANTS, "the mutations should break some folders, not all"
    for n, message in enumerate(expected):
        got = actual[n]
        if message and ": not YAML:" in message:  # the two YAML libraries word their errors apart
            assert got and got.split(": not YAML:")[0] == message.split(": not YAML:")[0], (n, got, message)
        else:
            assert got == message, (mutants[n], got, message)
