"""A catalogue of malformed CDRs, each with the reason code it must be rejected with.

Used by the demo (so dead letters show up) and by the tests, where the expected reasons are
the independent answer: they are written here by hand, not computed by the parser.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

GOOD: dict[str, Any] = {
    "callId": "bad-call", "recordId": "bad-record", "recordType": "STOP",
    "startTime": "2026-11-01T10:00:00Z", "answerTime": "2026-11-01T10:00:05Z",
    "endTime": "2026-11-01T10:01:05Z", "duration": 65, "billableSeconds": 60,
    "callingParty": {"number": "+442079460958", "numberType": "LANDLINE", "subscriberId": "sub-bad",
                     "location": {"country": "GB", "city": "London",
                                  "coordinates": {"lat": 51.5, "lon": -0.12}}},
    "calledParty": {"number": "+33612345678", "numberType": "INTERNATIONAL", "destination": "FR"},
    "callType": "VOICE", "callDirection": "MOBILE_ORIGINATED", "terminationReason": "NORMAL",
    "sipData": {"fromUri": "sip:a@x", "toUri": "sip:b@x", "callIdHeader": "c@x", "userAgent": "UA",
                "codec": "Opus", "ipAddress": "198.51.100.1"},
    "qos": {"jitter": 3.5, "packetLoss": 0.1, "latency": 40, "mos": 4.2},
    "cost": {"currency": "EUR", "amount": 0.12, "perMinuteRate": 0.12, "taxAmount": 0.024},
    "metadata": {"serverNode": "pbx-1", "tags": []},
}


@dataclass(frozen=True)
class BadRecord:
    kind: str
    raw: str
    reason: str


def _mutated(change: Callable[[dict[str, Any]], None]) -> str:
    record = copy.deepcopy(GOOD)
    change(record)
    return json.dumps(record)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    *parents, leaf = path.split(".")

    def change(record: dict[str, Any]) -> None:
        node = record
        for part in parents:
            node = node[part]
        node[leaf] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    *parents, leaf = path.split(".")

    def change(record: dict[str, Any]) -> None:
        node = record
        for part in parents:
            node = node[part]
        del node[leaf]

    return change


_CASES: list[tuple[str, str | Callable[[dict[str, Any]], None], str]] = [
    ("empty line", "", "EMPTY_RECORD"),
    ("blank line", "   \t ", "EMPTY_RECORD"),
    ("not JSON", "callId=1,recordId=2", "NOT_JSON"),
    ("truncated JSON", json.dumps(GOOD)[:80], "NOT_JSON"),
    ("JSON array", "[1, 2, 3]", "NOT_OBJECT"),
    ("JSON string", '"a CDR"', "NOT_OBJECT"),
    ("missing callId", _drop("callId"), "MISSING_FIELD"),
    ("null recordId", _set("recordId", None), "MISSING_FIELD"),
    ("empty subscriberId", _set("callingParty.subscriberId", "  "), "MISSING_FIELD"),
    ("missing calledParty", _drop("calledParty"), "MISSING_FIELD"),
    ("STOP without endTime", _drop("endTime"), "MISSING_FIELD"),
    ("STOP without terminationReason", _drop("terminationReason"), "MISSING_FIELD"),
    ("numeric callId", _set("callId", 12345), "WRONG_TYPE"),
    ("duration as text", _set("duration", "65"), "WRONG_TYPE"),
    ("callingParty not an object", _set("callingParty", "+442079460958"), "WRONG_TYPE"),
    ("fractional legSequence", _set("legSequence", 1.5), "WRONG_TYPE"),
    ("tags not strings", _set("metadata.tags", [1, 2]), "WRONG_TYPE"),
    ("unknown recordType", _set("recordType", "FINAL"), "INVALID_ENUM"),
    ("lower-case callDirection", _set("callDirection", "mobile_originated"), "INVALID_ENUM"),
    ("unknown numberType", _set("calledParty.numberType", "SATELLITE"), "INVALID_ENUM"),
    ("time without offset", _set("startTime", "2026-11-01T10:00:00"), "INVALID_TIMESTAMP"),
    ("time as epoch", _set("endTime", 1793527265), "WRONG_TYPE"),
    ("impossible date", _set("startTime", "2026-02-30T10:00:00Z"), "INVALID_TIMESTAMP"),
    ("negative duration", _set("duration", -5), "NEGATIVE_VALUE"),
    ("negative bytes", _set("dataUsage", {"bytesSent": -1, "bytesReceived": 10}), "NEGATIVE_VALUE"),
    ("MOS above 5", _set("qos.mos", 7.5), "INVALID_VALUE"),
    ("latitude out of range", _set("callingParty.location.coordinates.lat", 123.0), "INVALID_VALUE"),
    ("country not ISO", _set("callingParty.location.country", "GBR"), "INVALID_VALUE"),
    ("end before start", _set("endTime", "2026-11-01T09:59:00Z"), "END_BEFORE_START"),
    ("answer after end", _set("answerTime", "2026-11-01T10:02:00Z"), "ANSWER_OUTSIDE_CALL"),
    ("answer before setup", _set("answerTime", "2026-11-01T09:00:00+00:00"), "ANSWER_OUTSIDE_CALL"),
    ("ringing after the answer", _set("progressTime", "2026-11-01T10:00:06Z"), "PROGRESS_OUTSIDE_CALL"),
    ("ringing before setup", _set("progressTime", "2026-11-01T09:59:59.999Z"), "PROGRESS_OUTSIDE_CALL"),
    ("SIP response code not final-range", _set("sipData.responseCode", 99), "INVALID_VALUE"),
    ("Q.850 cause over 127", _set("hangupCause", 128), "INVALID_VALUE"),
    ("Q.850 cause as text", _set("hangupCause", "NORMAL_CLEARING"), "WRONG_TYPE"),
    ("letters for a number", _set("calledParty.number", "call-me-maybe"), "INVALID_NUMBER"),
    ("too many digits", _set("calledParty.number", "+1234567890123456"), "INVALID_NUMBER"),
    ("national number that is not one", _set("calledParty.number", "0000 000"), "INVALID_NUMBER"),
    ("E.164 too short for its country code", _set("calledParty.number", "+4412"), "INVALID_NUMBER"),
    ("E.164 too long for its country code", _set("calledParty.number", "+441234567890123"), "INVALID_NUMBER"),
    ("E.164 with no such country code", _set("calledParty.number", "+999123456"), "INVALID_NUMBER"),
    ("E.164 without its area code", _set("calledParty.number", "+4420794609"), "INVALID_NUMBER"),
    ("calling number too short for +1", _set("callingParty.number", "+1202555012"), "INVALID_NUMBER"),
    ("short number that is no service in GB", _set("calledParty.number", "12345"), "INVALID_NUMBER"),
    ("SERVICE-typed number in E.164", _set("calledParty", {"number": "+442079460958", "numberType": "SERVICE"}),
     "INVALID_NUMBER"),
    ("a service number as the caller", _set("callingParty.number", "999"), "INVALID_NUMBER"),
    ("callId far too long", _set("callId", "x" * 5000), "FIELD_TOO_LONG"),
    ("record over 64 KiB", _set("metadata.tags", ["t" * 1000] * 70), "RECORD_TOO_LARGE"),
    ("offset minutes over 59", _set("startTime", "2026-11-01T10:00:00+05:60"), "INVALID_TIMESTAMP"),
]

BAD_RECORDS: list[BadRecord] = [
    BadRecord(kind, case if isinstance(case, str) else _mutated(case), reason) for kind, case, reason in _CASES]
