"""Asterisk CEL events (tests/fixtures/asterisk/cel/, one file per scenario, written as
cel_custom's JSON format writes them) rebuilt into legs: every scenario must give the same
records as the CDRs Asterisk writes for it (tests/fixtures/asterisk/*.csv) and so the same
hand-worked logical calls and charges."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from asterisk_adapter import cel
from asterisk_adapter.cdr import AsteriskLineError, Reason
from tests.unit.test_asterisk_cdr import CONFIG, EXPECTED, FIXTURES, calls_and_charges, records

IDS = ("callId", "recordId", "legSequence", "sipData")  # numbered by the converter, not by Asterisk's counter
CEL_ONLY = ("hangupCause",)  # in CEL's HANGUP events; Master.csv does not log it


def cel_lines(scenario: str) -> list[str]:
    return (FIXTURES / "cel" / f"{scenario}.jsonl").read_text().splitlines()


def converted(lines: list[str]) -> tuple[list[dict], list[tuple[str, AsteriskLineError]]]:
    good, bad = [], []
    for source, result in cel.convert(lines, CONFIG):
        if isinstance(result, AsteriskLineError):
            bad.append((source, result))
        else:
            good.append(result)
    return good, bad


def without_ids(rows: list[dict]) -> list[dict]:
    return sorted(({key: value for key, value in row.items() if key not in IDS + CEL_ONLY} for row in rows),
                  key=json.dumps)


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_each_scenario_gives_the_hand_worked_calls_and_charges(scenario: str) -> None:
    legs, bad = converted(cel_lines(scenario))
    assert bad == []
    assert calls_and_charges(legs) == EXPECTED[scenario]


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_each_scenario_gives_the_records_of_asteriskss_own_cdrs(scenario: str) -> None:
    legs, _ = converted(cel_lines(scenario))
    assert without_ids(legs) == without_ids(records(scenario))


def test_each_leg_carries_the_dialled_channels_q850_cause_from_its_hangup_event() -> None:
    """The causes written in the fixtures' HANGUP events: the callee's when there is one."""
    def causes(scenario: str) -> list[int | None]:
        legs, _ = converted(cel_lines(scenario))
        return [leg.get("hangupCause") for leg in sorted(legs, key=lambda leg: leg["startTime"])]

    assert causes("simple_answered") == [16]
    assert causes("busy") == [17]  # user busy: Bob's phone refused, Alice's channel then cleared normally
    assert causes("no_answer") == [19]
    assert all(isinstance(cause, int) for scenario in EXPECTED for cause in causes(scenario))


def test_ids_are_unique_and_the_same_on_a_second_conversion() -> None:
    lines = [line for scenario in sorted(EXPECTED) for line in cel_lines(scenario)]
    first, second = converted(lines)[0], converted(lines)[0]
    assert len({row["recordId"] for row in first}) == len(first) == sum(len(records(s)) for s in EXPECTED)
    assert [row["recordId"] for row in first] == [row["recordId"] for row in second]
    assert next(row for row in first if row["linkedId"] == "1793700000.1")["recordId"] == "1793700000.1-1:STOP"


def test_interleaved_calls_are_each_emitted_at_their_linkedid_end() -> None:
    files = [cel_lines(scenario) for scenario in sorted(EXPECTED)]
    interleaved = [file[i] for i in range(max(map(len, files))) for file in files if i < len(file)]
    calls = cel.CelCalls()
    emitted = [cdr for line in interleaved for cdr in calls.add(cel.parse_cel_json_line(line, CONFIG))]
    assert calls.pending == 0 and calls.finish() == []
    assert len(emitted) == sum(len(records(s)) for s in EXPECTED)
    assert without_ids(converted(interleaved)[0]) == without_ids([r for s in EXPECTED for r in records(s)])


def test_an_attended_transfer_waits_for_both_calls_it_joined() -> None:
    calls = cel.CelCalls()
    ends = []
    for line in cel_lines("attended_transfer"):
        event = cel.parse_cel_json_line(line, CONFIG)
        out = calls.add(event)
        if event.type == "LINKEDID_END":
            ends.append((event.linkedid, len(out)))
    # Bob's consultation call ends first, but Charlie has joined Alice's call: nothing until that ends.
    assert ends == [("1793701820.18", 0), ("1793701800.16", 3)]


def test_a_file_cut_short_gives_its_open_legs_up_to_the_last_event() -> None:
    lines = cel_lines("simple_answered")
    cut = [line for line in lines if json.loads(line)["EventTime"] < "1793700065"]  # before the hangup
    [record], bad = converted(cut)
    assert bad == [] and record["answerTime"] == "2026-11-03T10:00:05.000Z"
    assert record["endTime"] == "2026-11-03T10:00:05.000Z"  # the last event seen: the bridge


def test_the_csv_format_reads_the_same_event() -> None:
    line = cel_lines("blind_transfer")[15]
    fields = {key.lower(): value for key, value in json.loads(line).items()}
    fields["extra"] = json.dumps(fields["extra"])
    text = io.StringIO()
    csv.writer(text, quoting=csv.QUOTE_ALL).writerow(fields.get(name, "") for name in cel.CEL_FIELDS)
    assert cel.parse_cel_csv_line(text.getvalue().strip(), CONFIG) == cel.parse_cel_json_line(line, CONFIG)


def test_a_call_from_a_trunk_is_an_incoming_leg_and_trunk_to_trunk_is_refused() -> None:
    def retarget(line: str, caller: str) -> str:
        event = json.loads(line)
        if event["ChanName"].startswith("PJSIP/2001"):
            event["ChanName"] = caller
            event["CIDNum"] = event["CIDani"] = "02071234567"
        return json.dumps(event)

    incoming, _ = converted([retarget(line, "PJSIP/trunk-0000a001") for line in cel_lines("simple_answered")])
    assert [(r["callDirection"], r["callingParty"]["subscriberId"], r["callingParty"]["number"]) for r in incoming] \
        == [("MOBILE_TERMINATED", "bob", "+442071234567")]
    outside = [json.dumps(json.loads(line) | {"ChanName": json.loads(line)["ChanName"].replace("2002", "trunk")})
               for line in cel_lines("simple_answered")]
    good, bad = converted([retarget(line, "PJSIP/trunk-0000a001") for line in outside])
    assert good == [] and [error.reason for _, error in bad] == [Reason.NO_SUBSCRIBER]
    assert json.loads(bad[0][0])["channel"] == "PJSIP/trunk-0000a001"  # the leg, kept with its reason


@pytest.mark.parametrize(("line", "reason"), [
    ("{not json", Reason.BAD_JSON),
    ('{"EventType": "ANSWER", "UniqueID": "1.1", "EventTime": "yesterday"}', Reason.BAD_TIMESTAMP),
    ('{"EventType": "ANSWER", "UniqueID": "1.1", "EventTime": ""}', Reason.BAD_TIMESTAMP),
    ('{"EventType": "ANSWER", "EventTime": "1793700000.0"}', Reason.BAD_COLUMNS),
    ('{"EventType": "HANGUP", "UniqueID": "1.1", "EventTime": "1793700000.0", "Extra": "{oops"}', Reason.BAD_JSON),
])
def test_lines_that_are_not_events_say_why(line: str, reason: Reason) -> None:
    good, bad = converted([line])
    assert good == [] and [(source, error.reason) for source, error in bad] == [(line, reason)]


def test_the_command_writes_records_and_dead_letters(tmp_path: Path) -> None:
    source = tmp_path / "cel.jsonl"
    source.write_text("\n".join(cel_lines("parallel_dial") + ["{broken"]) + "\n")
    assert cel.main(["--file", str(source), "--out", str(tmp_path / "cdrs.jsonl")]) == 0
    written = [json.loads(line) for line in (tmp_path / "cdrs.jsonl").read_text().splitlines()]
    assert [r["terminationReason"] for r in written] == ["NO_ANSWER", "NORMAL"]
    dead = [json.loads(line) for line in (tmp_path / "cdrs.dead-letters.jsonl").read_text().splitlines()]
    assert [(row["raw_record"], row["reason"]) for row in dead] == [("{broken", "ASTERISK_BAD_JSON")]


def test_a_call_to_an_emergency_number_is_a_service_call_not_a_dead_letter() -> None:
    """The simple call's events, Alice dialling 999 out of a trunk instead of Bob's 2002."""
    lines = [line.replace('"2002"', '"999"').replace("PJSIP/2002,30,tT", "PJSIP/trunk/999,30")
             .replace("PJSIP/2002-00000002", "PJSIP/trunk-00000002") for line in cel_lines("simple_answered")]
    legs, bad = converted(lines)
    assert bad == []
    [leg] = legs
    assert leg["calledParty"] == {"number": "999", "numberType": "SERVICE", "destination": "GB"}
    assert (leg["callDirection"], leg["callingParty"]["subscriberId"]) == ("MOBILE_ORIGINATED", "alice")
