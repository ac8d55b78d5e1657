"""The reference CDR model: what is valid, and the reason code of what is not."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.cdr import Cdr, Reason, flat_columns, validate_record
from synthetic.bad_records import BAD_RECORDS, GOOD


def test_a_complete_record_is_valid_and_typed() -> None:
    verdict = validate_record(json.dumps(GOOD))
    assert verdict.reason is None
    cdr = verdict.cdr
    assert isinstance(cdr, Cdr)
    assert cdr.start_time == datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    assert cdr.event_time == datetime(2026, 11, 1, 10, 1, 5, tzinfo=UTC)
    assert cdr.cost is not None and cdr.cost.amount == Decimal("0.12")
    assert cdr.logical_call_id == "bad-call"


def test_money_is_read_exactly_not_through_float() -> None:
    cdr = validate_record(_with_amount("0.1000000000000000055511151231257827")).cdr
    assert cdr is not None and cdr.cost is not None
    assert cdr.cost.amount == Decimal("0.1000000000000000055511151231257827")


def _with_amount(text: str) -> str:
    record = json.loads(json.dumps(GOOD))
    record["cost"]["amount"] = "__AMOUNT__"
    return json.dumps(record).replace('"__AMOUNT__"', text)


def test_optional_parts_may_be_absent_and_extensions_are_read() -> None:
    minimal = {key: GOOD[key] for key in ("callId", "recordId", "startTime", "callType", "callDirection")}
    minimal |= {"recordType": "START", "callingParty": {"number": "+442079460958", "subscriberId": "s1"},
                "calledParty": {"number": "+33612345678"}, "linkedId": "L1", "legSequence": 2,
                "dataUsage": {"bytesSent": 10, "bytesReceived": 20}, "unknownField": {"kept": "ignored"}}
    cdr = validate_record(json.dumps(minimal)).cdr
    assert cdr is not None
    assert (cdr.logical_call_id, cdr.leg_sequence) == ("L1", 2)
    assert cdr.data_usage is not None and cdr.data_usage.bytes_received == 20
    assert cdr.qos is None and cdr.end_time is None


def test_the_route_quality_extensions_are_read() -> None:
    record = json.loads(json.dumps(GOOD)) | {"progressTime": "2026-11-01T10:00:02.5Z", "hangupCause": 16,
                                             "trunk": "carrier-a"}
    record["sipData"]["responseCode"] = 200
    cdr = validate_record(json.dumps(record)).cdr
    assert cdr is not None and cdr.sip_data is not None
    assert (cdr.sip_data.response_code, cdr.hangup_cause, cdr.trunk) == (200, 16, "carrier-a")
    assert cdr.progress_time == datetime(2026, 11, 1, 10, 0, 2, 500000, tzinfo=UTC)
    unanswered = record | {"answerTime": None, "terminationReason": "NO_ANSWER", "hangupCause": 19,
                           "progressTime": "2026-11-01T10:01:05Z"}  # rang until it ended
    assert validate_record(json.dumps(unanswered)).reason is None
    assert validate_record(json.dumps(unanswered | {"progressTime": "2026-11-01T10:01:05.001Z"})).reason \
        is Reason.PROGRESS_OUTSIDE_CALL


@pytest.mark.parametrize("bad", BAD_RECORDS, ids=[bad.kind for bad in BAD_RECORDS])
def test_each_bad_record_gets_its_reason(bad) -> None:
    verdict = validate_record(bad.raw)
    assert verdict.cdr is None
    assert verdict.reason == Reason(bad.reason)
    assert verdict.detail


def test_the_catalogue_covers_twenty_kinds_and_every_reason() -> None:
    assert len({bad.kind for bad in BAD_RECORDS}) >= 20
    assert {bad.reason for bad in BAD_RECORDS} == {reason.value for reason in Reason}


@pytest.mark.parametrize("number, country, expected", [
    ("020 7946 0958", "GB", "+442079460958"),
    ("0044 20 7946 0958", "GB", "+442079460958"),
    ("011 44 20 7946 0958", "US", "+442079460958"),
    ("(201) 555-0123", "US", "+12015550123"),
])
def test_national_and_prefixed_numbers_are_normalised(number: str, country: str, expected: str) -> None:
    record = json.loads(json.dumps(GOOD))
    record["callingParty"]["location"]["country"] = country
    record["calledParty"]["number"] = number
    cdr = validate_record(json.dumps(record)).cdr
    assert cdr is not None and cdr.called_party.number == expected


def test_a_national_number_without_a_country_is_rejected() -> None:
    record = json.loads(json.dumps(GOOD))
    del record["callingParty"]["location"]
    record["calledParty"]["number"] = "020 7946 0958"
    assert validate_record(json.dumps(record)).reason is Reason.INVALID_NUMBER


def test_first_failing_field_names_the_reason() -> None:
    record = json.loads(json.dumps(GOOD))
    record["recordType"] = "NOPE"  # declared before duration
    record["duration"] = -1
    assert validate_record(json.dumps(record)).reason is Reason.INVALID_ENUM


def test_flat_columns_name_every_leaf_once() -> None:
    columns = flat_columns()
    names = [name for name, _ in columns]
    assert len(names) == len(set(names)) == 47
    assert columns[-3:] == [("progress_time", "TIMESTAMP_LTZ(3)"), ("hangup_cause", "BIGINT"), ("trunk", "STRING")]
    assert ("sip_response_code", "BIGINT") in columns
    assert ("called_subscriber_id", "STRING") in columns
    assert ("cost_amount", "DECIMAL(18, 6)") in columns
    assert ("start_time", "TIMESTAMP_LTZ(3)") in columns
    assert ("tags", "ARRAY<STRING>") in columns
