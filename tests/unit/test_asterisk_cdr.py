"""Asterisk's CDRs, written as Asterisk 12+ writes them (tests/fixtures/asterisk/, one file per
scenario of its CDR specification), through the adapter and leg attribution: each scenario's
logical calls and who pays for each leg, worked out by hand."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections import defaultdict
from pathlib import Path

import pytest

from asterisk_adapter.cdr import AsteriskConfig, AsteriskLineError, Reason, parse_csv_line, parse_json_line
from domain.cdr import validate_record
from domain.legs import Charge, Leg, attribute

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "asterisk"
CONFIG = AsteriskConfig(accounts={"2001": "alice", "2002": "bob", "2003": "charlie"})
ALICE, BOB, CHARLIE = "alice", "bob", "charlie"
ORIG, R, U = Charge.ORIGINATOR, Charge.REDIRECTING_PARTY, Charge.UNANSWERED

# scenario → per logical call (linkedid): answered, conversation seconds, [(charged to, why)] in leg order
EXPECTED = {
    "simple_answered": {"1793700000.1": (True, 60, [(ALICE, ORIG)])},
    "no_answer": {"1793700300.3": (False, 0, [(None, U)])},
    "busy": {"1793700420.5": (False, 0, [(None, U)])},
    "parallel_dial": {"1793700600.7": (True, 90, [(None, U), (ALICE, ORIG)])},
    "blind_transfer": {"1793701200.10": (True, 55 + 96, [(ALICE, ORIG), (BOB, R)])},
    # Bob's consultation call is his own call; after the transfer Alice talks to Charlie on Bob's account.
    "attended_transfer": {"1793701800.16": (True, 55 + 120, [(ALICE, ORIG), (BOB, R)]),
                          "1793701820.18": (True, 35, [(BOB, ORIG)])},
    "call_forward": {"1793702400.32": (True, 100, [(None, U), (BOB, R)])},
    # Bob adds Charlie beside Alice: his own leg; 10:50:05-10:55:00 is one conversation, not two.
    "three_way": {"1793703000.48": (True, 295, [(ALICE, ORIG), (BOB, ORIG)])},
    "conference_bridge": {"1793703600.64": (True, 1199, [(ALICE, ORIG), (BOB, ORIG), (CHARLIE, ORIG)])},
    # Parked, Alice talks to nobody; Charlie pays for dialling the parking slot.
    "park_and_retrieve": {"1793705400.80": (True, 55 + 195, [(ALICE, ORIG), (None, U), (CHARLIE, ORIG)])},
}


def records(scenario: str, config: AsteriskConfig = CONFIG) -> list[dict]:
    lines = (FIXTURES / f"{scenario}.csv").read_text().splitlines()
    return [parse_csv_line(line, config) for line in lines]


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_each_scenario_gives_the_hand_worked_calls_and_charges(scenario: str) -> None:
    assert calls_and_charges(records(scenario)) == EXPECTED[scenario]


def calls_and_charges(legs: list[dict]) -> dict[str, tuple[bool, float, list[tuple[str | None, Charge]]]]:
    """Valid records → per linkedId: answered, conversation seconds, (charged to, why) per leg."""
    by_call: dict[str, list[Leg]] = defaultdict(list)
    for record in legs:
        verdict = validate_record(json.dumps(record))
        assert verdict.reason is None, (verdict.reason, verdict.detail)
        by_call[record["linkedId"]].append(Leg.from_record(record))
    calls = {linked: attribute(legs) for linked, legs in by_call.items()}
    return {linked: (call.answered, call.conversation_ms / 1000, [(leg.charged_to, leg.charge) for leg in call.legs])
            for linked, call in calls.items()}


def test_a_simple_call_record_field_by_field() -> None:
    [record] = records("simple_answered")
    assert record == {
        "callId": "1793700000.1-1", "recordId": "1793700000.1-1:STOP", "recordType": "STOP",
        "startTime": "2026-11-03T10:00:00.000Z", "answerTime": "2026-11-03T10:00:05.000Z",
        "endTime": "2026-11-03T10:01:05.000Z", "duration": 65, "billableSeconds": 60,
        "callingParty": {"number": "+442079462001", "subscriberId": "alice", "location": {"country": "GB"}},
        "calledParty": {"number": "+442079462002", "destination": "GB", "subscriberId": "bob"},
        "callType": "VOICE", "callDirection": "MOBILE_ORIGINATED", "terminationReason": "NORMAL",
        "sipData": {"callIdHeader": "1793700000.1"},
        "metadata": {"serverNode": "asterisk", "tags": ["ama:documentation"]},
        "linkedId": "1793700000.1", "legSequence": 1}


def test_dispositions_and_conference_call_type() -> None:
    assert [r["terminationReason"] for r in records("busy") + records("no_answer")] == ["BUSY", "NO_ANSWER"]
    assert {r["callType"] for r in records("conference_bridge")} == {"CONFERENCE"}
    assert "answerTime" not in records("park_and_retrieve")[1]  # the Park leg


def test_service_numbers_are_sent_as_dialled_not_refused() -> None:
    """999 (emergency; 3 digits, which the 4-digit extension plan would take for an extension),
    116 123 (longer than any extension: a GB short number), *97 (a feature code) and 8500 (a
    service number of this PBX, configured) are calls to services, in GB."""
    config = dataclasses.replace(CONFIG, service_numbers=("8500",))
    legs = records("service_calls", config)
    assert [leg["calledParty"] for leg in legs] == [
        {"number": number, "numberType": "SERVICE", "destination": "GB"} for number in ("999", "116123", "*97", "8500")]
    for leg in legs:
        verdict = validate_record(json.dumps(leg))
        assert verdict.cdr is not None and verdict.cdr.called_party.number == leg["calledParty"]["number"]
    # without the setting, 8500 is an extension like any other: its DID
    assert records("service_calls")[3]["calledParty"] == {"number": "+442079468500", "destination": "GB"}


def test_local_time_is_read_in_the_pbx_zone() -> None:
    new_york = dataclasses.replace(CONFIG, zone="America/New_York")
    [record] = records("simple_answered", new_york)
    assert (record["startTime"], record["endTime"]) == ("2026-11-03T15:00:00.000Z", "2026-11-03T15:01:05.000Z")


def test_a_call_from_a_trunk_is_an_incoming_leg_of_the_callee() -> None:
    line = ('"","02071234567","2002","from-trunk","""Outside"" <02071234567>","PJSIP/trunk-0000a001",'
            '"PJSIP/2002-0000a002","Dial","PJSIP/2002","2026-11-03 12:00:00","2026-11-03 12:00:03",'
            '"2026-11-03 12:01:03",63,60,"ANSWERED","BILLING","1793707200.90","vip","","1793707200.90",50')
    record = parse_csv_line(line, CONFIG)
    assert record["callDirection"] == "MOBILE_TERMINATED"
    assert record["callingParty"]["subscriberId"] == "bob" and record["callingParty"]["number"] == "+442071234567"
    assert record["metadata"]["tags"] == ["ama:billing", "userfield:vip"]


def test_route_quality_from_the_trunk_channel_and_the_variables_cdr_custom_logs() -> None:
    """An outgoing call through the carrier's trunk, as cdr_custom logs it with the PBX's
    HANGUPCAUSE, the technology cause and Dial's RINGTIME_MS / PROGRESSTIME_MS."""
    fields = {"accountcode": "2001", "src": "2001", "dst": "0033612345678", "channel": "PJSIP/2001-0000b001",
              "dstchannel": "PJSIP/trunk-eu1-0000b002", "lastapp": "Dial", "start": "1793710800",
              "answer": "1793710809", "end": "1793710869", "duration": "69", "billsec": "60",
              "disposition": "ANSWERED", "uniqueid": "1793710800.5", "linkedid": "1793710800.5", "sequence": "7",
              "hangupcause": "16", "sipcause": "SIP 200 OK", "ringtime_ms": "3250", "progresstime_ms": "2100"}
    config = dataclasses.replace(CONFIG, trunks={"trunk-eu1": "carrier-a"})
    record = parse_json_line(json.dumps(fields), config)
    assert (record["trunk"], record["hangupCause"], record["sipData"]["responseCode"]) == ("carrier-a", 16, 200)
    assert record["progressTime"] == "2026-11-03T13:00:02.100Z"  # start (13:00:00 UTC) + the first 183 (2.1 s)
    cdr = validate_record(json.dumps(record)).cdr
    assert cdr is not None and cdr.trunk == "carrier-a"
    # unmapped, the trunk is its endpoint; no HANGUPCAUSE logged: the Q.850 cause DIALSTATUS implies
    busy = {**fields, "answer": "", "billsec": "0", "disposition": "BUSY", "hangupcause": "", "dialstatus": "BUSY",
            "sipcause": "", "ringtime_ms": "", "progresstime_ms": ""}
    record = parse_json_line(json.dumps(busy), CONFIG)
    assert (record["trunk"], record["hangupCause"]) == ("trunk-eu1", 17)
    assert "responseCode" not in record["sipData"] and "progressTime" not in record
    # an on-net call has no trunk
    assert "trunk" not in records("simple_answered")[0]


def test_columns_follow_cdr_conf() -> None:
    line = (FIXTURES / "simple_answered.csv").read_text().strip()
    legacy = line.rsplit(",", 3)[0]  # newcdrcolumns=no: no peeraccount, linkedid, sequence
    record = parse_csv_line(legacy, dataclasses.replace(CONFIG, newcdrcolumns=False))
    assert "linkedId" not in record and record["callId"].startswith("ast-")
    assert parse_csv_line(legacy, dataclasses.replace(CONFIG, newcdrcolumns=False))["recordId"] == record["recordId"]
    with pytest.raises(AsteriskLineError) as error:
        parse_csv_line(legacy, CONFIG)
    assert error.value.reason is Reason.BAD_COLUMNS


def test_cdr_custom_json_gives_the_same_record() -> None:
    line = (FIXTURES / "blind_transfer.csv").read_text().splitlines()[1]
    from_csv = parse_csv_line(line, CONFIG)
    fields = dict(zip(CONFIG.columns, next(csv.reader([line])), strict=True))
    fields["start"] = "1793701260"  # ${CDR(start,u)}: epoch seconds, the same instant as 10:21:00 local
    assert parse_json_line(json.dumps(fields), CONFIG) == from_csv


@pytest.mark.parametrize(("change", "reason"), [
    (lambda f: f | {"amaflags": "OMIT"}, Reason.AMA_OMIT),
    (lambda f: f | {"disposition": "CANCELLED?"}, Reason.UNKNOWN_DISPOSITION),
    (lambda f: f | {"channel": "PJSIP/trunk-1", "dstchannel": "PJSIP/trunk-2"}, Reason.NO_SUBSCRIBER),
    (lambda f: f | {"start": "03/11/2026 10:00"}, Reason.BAD_TIMESTAMP),
    (lambda f: f | {"src": "not-a-number"}, Reason.BAD_NUMBER),
])
def test_lines_that_cannot_be_records_say_why(change, reason: Reason) -> None:
    line = (FIXTURES / "simple_answered.csv").read_text().strip()
    fields = dict(zip(CONFIG.columns, next(csv.reader([line])), strict=True))
    with pytest.raises(AsteriskLineError) as error:
        parse_json_line(json.dumps(change(fields)), CONFIG)
    assert error.value.reason is reason
    with pytest.raises(AsteriskLineError) as error:
        parse_json_line("[1, 2]", CONFIG)
    assert error.value.reason is Reason.BAD_JSON
