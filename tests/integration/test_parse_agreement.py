"""The JVM parser (PARSE_CDR) and the reference model (domain.cdr) agree: same columns, same
verdict on every record, same values for valid ones — over generated traffic (with the route
quality extensions: SIP response code, Q.850 cause, progress time, trunk), the Asterisk
adapter's records (with the calledParty.subscriberId extension), the bad-record catalogue, and
seeded random mutations of valid records."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from pyflink.table import DataTypes, TableEnvironment

from asterisk_adapter.cdr import AsteriskConfig, parse_csv_line
from domain.cdr import flat_columns, validate_record
from jobs.flink_env import create_table_env
from jobs.sql_files import folder, render
from synthetic.asterisk_sample import sample
from synthetic.bad_records import BAD_RECORDS

MUTATIONS = 1_500
NUMBER_MUTATIONS = 400
SWAPS: list[Any] = [None, "", "  ", "text", -1, -0.5, 0, 1.5, 10**20, True, [], {}, "x" * 200,
                    "2026-11-01T10:00:00", "2026-11-01T10:00:00+19:00", "2026-13-01T10:00:00Z",
                    "2026-11-01T10:00:00.123456789+05:30", "0044 20 7946 0958", "(201) 555-0123",
                    "020 7946 0958", "+44 20 7946 0958", "011 44 20 7946 0958", "+999123", "1e3", 1e3,
                    # E.164 syntax, impossible for the country code (and one possible, unassigned)
                    "+4412", "+441234567890123", "+4420794609", "+1202555012", "+12", "+441000000000",
                    # service numbers (valid or not in the caller's country), and the type
                    "112", "999", "911", "116123", "118118", "15", "*97", "#31#", "8500", "*", "SERVICE",
                    "MOBILE", "INTERNATIONAL", "stop", "STOP", "EVENT", "GB", "gb", "EUR", 123.4567891]


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        out = [path] if path else []
        for key, value in node.items():
            out += _leaves(value, path + (key,))
        return out
    return [path]


def _mutate(record: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    record = copy.deepcopy(record)
    for _ in range(rng.choice([1, 1, 1, 2])):
        path = rng.choice(_leaves(record))
        parent = record
        for key in path[:-1]:
            parent = parent[key]
        if rng.random() < 0.15:
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(SWAPS))
    return record


def _mutate_number(record: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A party's E.164 number with digits dropped, added or changed: some mutants are still
    possible numbers, most are too short, too long or lose their country code."""
    record = copy.deepcopy(record)
    party = record[rng.choice(["callingParty", "calledParty"])]
    digits = str(party["number"]).lstrip("+")
    cut = rng.randrange(1, len(digits))
    change = rng.choice(["drop", "add", "replace", "country"])
    if change == "drop":
        digits = digits[:-rng.randint(1, 4)] or "1"
    elif change == "add":
        digits += "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 4)))
    elif change == "replace":
        digits = digits[:cut] + rng.choice("0123456789") + digits[cut + 1:]
    else:
        digits = str(rng.randint(1, 999)) + digits[rng.randint(1, 3):]
    party["number"] = "+" + digits
    return record


@pytest.fixture(scope="module")
def corpus(traffic: list[dict[str, Any]]) -> list[str]:
    rng = random.Random(7)
    asterisk = [parse_csv_line(line, AsteriskConfig()) for line in sample(60, seed=3)]
    lines = [json.dumps(record) for record in traffic[:600] + asterisk]
    lines += [bad.raw for bad in BAD_RECORDS]
    lines += [json.dumps(_mutate(rng.choice(traffic + asterisk), rng)) for _ in range(MUTATIONS)]
    lines += [json.dumps(_mutate_number(rng.choice(traffic[:600]), rng)) for _ in range(NUMBER_MUTATIONS)]
    return lines


@pytest.fixture(scope="module")
def t_env() -> TableEnvironment:
    env = create_table_env(managed=False, batch=True)
    env.get_config().set("table.local-time-zone", "UTC")
    for path in folder("functions"):
        env.execute_sql(render(path, {}).text)
    return env


@pytest.fixture(scope="module")
def parsed(t_env: TableEnvironment, corpus: list[str]) -> dict[str, dict[str, Any]]:
    lines = t_env.from_elements([(i, line) for i, line in enumerate(corpus)],
                                DataTypes.ROW([DataTypes.FIELD("i", DataTypes.INT()),
                                               DataTypes.FIELD("line", DataTypes.STRING())]))
    t_env.create_temporary_view("corpus", lines)
    result = t_env.execute_sql(
        "SELECT c.i, p.reject_reason, p.reject_detail, p.calling_number, p.called_number, p.subscriber_id,"
        " p.linked_id, p.cost_amount, p.tags, p.sip_response_code, p.hangup_cause, p.trunk,"
        # PyFlink cannot collect TIMESTAMP_LTZ; in the UTC session this cast keeps the instant
        " CAST(p.start_time AS TIMESTAMP(3)) AS start_time, CAST(p.answer_time AS TIMESTAMP(3)) AS answer_time,"
        " CAST(p.end_time AS TIMESTAMP(3)) AS end_time, CAST(p.progress_time AS TIMESTAMP(3)) AS progress_time"
        " FROM corpus AS c CROSS JOIN LATERAL TABLE(parse_cdr(c.line)) AS p")
    names = result.get_resolved_schema().get_column_names()
    with result.collect() as rows:
        return {corpus[row[0]]: dict(zip(names, row, strict=False)) for row in rows}


def test_parser_columns_are_the_models_flat_columns(t_env: TableEnvironment) -> None:
    t_env.execute_sql("CREATE TEMPORARY VIEW parser_output AS SELECT p.* FROM (VALUES ('{}')) AS v(line) "
                      "CROSS JOIN LATERAL TABLE(parse_cdr(v.line)) AS p")
    with t_env.execute_sql("DESCRIBE parser_output").collect() as rows:
        columns = [(row[0], row[1]) for row in rows]
    assert columns[:-2] == flat_columns()
    assert columns[-2:] == [("reject_reason", "STRING"), ("reject_detail", "STRING")]


def test_same_verdict_on_every_record(corpus: list[str], parsed: dict[str, dict[str, Any]]) -> None:
    disagreements = []
    for line in corpus:
        verdict = validate_record(line)
        expected = verdict.reason.value if verdict.reason else None
        # the numbering rules word for word too (domain/numbering.py and Numbering.java)
        same_detail = expected != "INVALID_NUMBER" or parsed[line]["reject_detail"] == verdict.detail
        if parsed[line]["reject_reason"] != expected or not same_detail:
            disagreements.append((line[:160], expected, parsed[line]["reject_reason"], verdict.detail,
                                  parsed[line]["reject_detail"]))
    assert not disagreements, f"{len(disagreements)} disagreements, e.g. {disagreements[:3]}"
    rejected = sum(1 for line in corpus if parsed[line]["reject_reason"])
    assert 800 < rejected < len(corpus) - 600, "the mutations must exercise both outcomes"


def test_same_values_for_valid_records(corpus: list[str], parsed: dict[str, dict[str, Any]]) -> None:
    checked = 0
    for line in corpus:
        cdr = validate_record(line).cdr
        if cdr is None:
            continue
        row = parsed[line]
        assert row["calling_number"] == cdr.calling_party.number
        assert row["called_number"] == cdr.called_party.number
        assert row["subscriber_id"] == cdr.calling_party.subscriber_id
        assert row["linked_id"] == cdr.linked_id
        for column, value in (("start_time", cdr.start_time), ("end_time", cdr.end_time),
                              ("answer_time", cdr.answer_time), ("progress_time", cdr.progress_time)):
            if value is None:
                assert row[column] is None
            else:
                millis = value.replace(microsecond=value.microsecond // 1000 * 1000)
                assert row[column] == millis.astimezone(UTC).replace(tzinfo=None)
        assert row["cost_amount"] == (None if cdr.cost is None or cdr.cost.amount is None
                                      else cdr.cost.amount.quantize(Decimal("0.000001"), ROUND_HALF_UP))
        assert row["tags"] == (cdr.metadata.tags if cdr.metadata else None)
        assert (row["sip_response_code"], row["hangup_cause"], row["trunk"]) == (
            cdr.sip_data.response_code if cdr.sip_data else None, cdr.hangup_cause, cdr.trunk)
        checked += 1
    assert checked > 600


def test_number_mutants_are_both_refused_and_kept(corpus: list[str], parsed: dict[str, dict[str, Any]]) -> None:
    """The seeded number mutants reach both sides of the possible-number rule on the JVM."""
    verdicts = [parsed[line]["reject_reason"] for line in corpus[-NUMBER_MUTATIONS:]]
    assert verdicts.count("INVALID_NUMBER") > NUMBER_MUTATIONS // 4
    assert verdicts.count(None) > NUMBER_MUTATIONS // 8
