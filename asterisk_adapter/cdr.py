"""One Asterisk CDR (Asterisk 12+ semantics) as the pipeline's CDR record (docs/cdr-record.md).

Asterisk writes a CDR per pair of parties: Party A (`channel`, the caller or the older channel
of a bridge) and Party B (`dstchannel`), with its `accountcode` and `peeraccount`. Every leg of
one call shares `linkedid`; `sequence` orders them. Every Asterisk CDR is final, so each
becomes one STOP record: recordId `<uniqueid>-<sequence>:STOP` (or a hash of the line when the
columns are not logged), stable across re-reads, so the pipeline's deduplication drops a line
read twice.

Mapping decisions (an operator's PBX is configured this way or can be):
- A channel whose name starts with a configured trunk prefix is the outside world; any other
  channel is one of our endpoints. Party A ours → an outgoing leg (MOBILE_ORIGINATED) of Party
  A's account; Party A a trunk and Party B ours → an incoming leg of Party B's account. The
  account is `accountcode`/`peeraccount`, else the endpoint's name (PJSIP/alice-0000002a →
  alice). Trunk to trunk has no subscriber of ours: rejected (NO_SUBSCRIBER).
- Numbers: internal extensions (all digits, at most `extension_digits`) become E.164 through
  the configured template (the DID range they answer on); anything else is normalised with
  the PBX's country. A dialled service number — an emergency number, a feature code (*97),
  one of `service_numbers`, or beyond the extensions' length a short number of the PBX's
  country (116 123) — is sent as dialled with numberType SERVICE. Service extensions (parking
  lots, conference rooms) get their DID too.
  The called number is Party B's extension when its endpoint is named by one (FreePBX's
  convention): `dst` keeps the dialled extension through a forward or a parallel dial.
- Local-time timestamps ("YYYY-MM-DD HH:MM:SS", cdr_csv without usegmtime) are read in the
  configured zone; cdr_custom may log epoch seconds (${CDR(start,u)}).
- disposition: ANSWERED → NORMAL, NO ANSWER → NO_ANSWER, BUSY → BUSY, FAILED and CONGESTION
  → FAILED. amaflags become a tag (`ama:billing`, `ama:documentation`); OMIT means "do not
  record" and is refused as AMA_OMIT (kept in the dead letters, never billed).
- A parked caller talks to nobody: the Park leg is written unanswered (its billsec is hold).
- lastapp ConfBridge or MeetMe → callType CONFERENCE.
Extensions beyond the record spec, read by leg attribution: `calledParty.subscriberId` (Party
B's account, when ours). For route quality (docs/cdr-record.md):
- trunk: the trunk-side channel's endpoint (PJSIP/trunk-carrier-a-00000012 → trunk-carrier-a),
  renamed by the PBX settings' `trunks` mapping (endpoint → carrier); none on on-net legs;
- hangupCause: the `hangupcause` variable (Q.850, ${HANGUPCAUSE}), else from `dialstatus`;
- sipData.responseCode: the `sipcause` variable (the technology cause, "SIP 486 Busy Here":
  ${HANGUPCAUSE(${DIALEDPEERNAME},tech)}), when the PBX logs it;
- progressTime: start + the smaller of `ringtime_ms` and `progresstime_ms` (Dial's RINGTIME_MS
  and PROGRESSTIME_MS: the first 180 or 183), when logged.
Master.csv (cdr_csv) has none of these variables: only the trunk; cdr_custom logs them by name
(docs/operations.md has the dialplan lines).
"""

from __future__ import annotations

import csv
import enum
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from domain import numbering

BASE_COLUMNS = ("accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
                "start", "answer", "end", "duration", "billsec", "disposition", "amaflags")
DISPOSITIONS = {"ANSWERED": "NORMAL", "NO ANSWER": "NO_ANSWER", "BUSY": "BUSY", "FAILED": "FAILED",
                "CONGESTION": "FAILED"}
CONFERENCE_APPS = {"confbridge", "meetme"}
# DIALSTATUS → the Q.850 cause Asterisk cleared the dialled channel with (when HANGUPCAUSE is not logged).
DIALSTATUS_CAUSES = {"ANSWER": 16, "BUSY": 17, "NOANSWER": 19, "CANCEL": 16, "CONGESTION": 34}
_SIP_CODE = re.compile(r"(?:^|\D)([1-6]\d\d)(?:\D|$)")
_ENDPOINT = re.compile(r"^[A-Za-z0-9]+/(?P<name>.+?)(-[0-9a-f]{8})?(;\d)?$")


class Reason(enum.StrEnum):
    """Why a line is not a record: dead-letter reason codes of the adapter."""

    BAD_COLUMNS = "ASTERISK_BAD_COLUMNS"
    BAD_JSON = "ASTERISK_BAD_JSON"
    BAD_TIMESTAMP = "ASTERISK_BAD_TIMESTAMP"
    BAD_NUMBER = "ASTERISK_BAD_NUMBER"
    UNKNOWN_DISPOSITION = "ASTERISK_UNKNOWN_DISPOSITION"
    NO_SUBSCRIBER = "ASTERISK_NO_SUBSCRIBER"
    AMA_OMIT = "ASTERISK_AMA_OMIT"


class AsteriskLineError(ValueError):
    def __init__(self, reason: Reason, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class AsteriskConfig:
    """How this PBX writes its CDRs (cdr.conf) and numbers its endpoints."""

    country: str = "GB"  # region of national numbers
    zone: str = "Europe/London"  # of local timestamps (cdr.conf usegmtime=no)
    extension_template: str = "+44207946{}"  # an extension's E.164 number: {} = its digits
    extension_digits: int = 4
    trunk_prefixes: tuple[str, ...] = ("PJSIP/trunk", "SIP/trunk", "IAX2/trunk", "DAHDI/")
    loguniqueid: bool = True
    loguserfield: bool = True
    newcdrcolumns: bool = True
    server_node: str = "asterisk"
    accounts: Mapping[str, str] = field(default_factory=dict)  # accountcode → subscriber id, when they differ
    trunks: Mapping[str, str] = field(default_factory=dict)  # trunk endpoint → the carrier's name, when they differ
    # The PBX's own service numbers its extension plan would otherwise read as extensions
    # (voicemail, a speaking clock): sent as dialled, numberType SERVICE.
    service_numbers: tuple[str, ...] = ()

    @staticmethod
    def from_mapping(fields: Mapping[str, Any]) -> AsteriskConfig:
        """From a JSON object of these fields (lists where tuples are kept)."""
        values = dict(fields)
        for listed in ("trunk_prefixes", "service_numbers"):
            if listed in values:
                values[listed] = tuple(values[listed])
        return AsteriskConfig(**values)

    @property
    def columns(self) -> tuple[str, ...]:
        return (BASE_COLUMNS + (("uniqueid",) if self.loguniqueid else ()) + (("userfield",) if self.loguserfield
                                                                             else ())
                + (("peeraccount", "linkedid", "sequence") if self.newcdrcolumns else ()))


def parse_csv_line(line: str, config: AsteriskConfig) -> dict[str, Any]:
    """A Master.csv line (cdr_csv) as a CDR record."""
    return to_record(csv_fields(line, config.columns, "cdr.conf"), config, line)


def parse_json_line(line: str, config: AsteriskConfig) -> dict[str, Any]:
    """A cdr_custom line whose format writes one JSON object of CDR variables by name."""
    fields = json_object(line)
    return to_record({key: "" if value is None else str(value) for key, value in fields.items()}, config, line)


def csv_fields(line: str, columns: tuple[str, ...], configured_by: str) -> dict[str, str]:
    """One CSV line's values by the column names its writer's configuration gives."""
    try:
        values = next(csv.reader([line], strict=True))
    except (csv.Error, StopIteration) as error:
        raise AsteriskLineError(Reason.BAD_COLUMNS, f"not a CSV line: {error}") from None
    if len(values) != len(columns):
        raise AsteriskLineError(Reason.BAD_COLUMNS, f"{len(values)} columns, {configured_by} says {len(columns)}")
    return dict(zip(columns, values, strict=True))


def json_object(line: str) -> dict[str, Any]:
    try:
        fields = json.loads(line)
    except json.JSONDecodeError as error:
        raise AsteriskLineError(Reason.BAD_JSON, str(error)) from None
    if not isinstance(fields, dict):
        raise AsteriskLineError(Reason.BAD_JSON, "not a JSON object")
    return fields


def to_record(cdr: Mapping[str, str], config: AsteriskConfig, line: str) -> dict[str, Any]:
    """Asterisk CDR variables (by their names) as a CDR record."""
    get = cdr.get
    if (get("amaflags") or "").upper() == "OMIT":
        raise AsteriskLineError(Reason.AMA_OMIT, "amaflags=OMIT: the PBX asks for this CDR not to be recorded")
    termination = DISPOSITIONS.get((get("disposition") or "").upper())
    if termination is None:
        raise AsteriskLineError(Reason.UNKNOWN_DISPOSITION, f"disposition {get('disposition')!r}")
    channel, peer = get("channel") or "", get("dstchannel") or ""
    caller_account = account_of(get("accountcode"), channel, config)
    callee_account = account_of(get("peeraccount"), peer, config)
    if caller_account is not None:
        direction, subscriber = "MOBILE_ORIGINATED", caller_account
    elif callee_account is not None:
        direction, subscriber = "MOBILE_TERMINATED", callee_account
    else:
        raise AsteriskLineError(Reason.NO_SUBSCRIBER, f"neither {channel!r} nor {peer!r} is one of our endpoints")
    start = parse_time(get("start"), config, "start")
    if start is None:
        raise AsteriskLineError(Reason.BAD_TIMESTAMP, "start is empty")
    end = parse_time(get("end"), config, "end") or start
    answer = parse_time(get("answer"), config, "answer")
    app = (get("lastapp") or "").lower()
    if app == "park":
        answer = None
    calling = number_of(get("src") or _caller_id_number(get("clid") or ""), config, "src")
    # Who actually rang: Party B's extension (a forward or a parallel dial keeps the dialled dst).
    peer_extension = _endpoint(peer) if callee_account is not None else None
    dialled = peer_extension if peer_extension and peer_extension.isdigit() else get("dst") or ""
    service = _is_service(dialled.strip(), config)
    called = dialled.strip() if service else number_of(dialled, config, "dst")
    call_id = _call_id(cdr, line)
    record: dict[str, Any] = {
        "callId": call_id,
        "recordId": f"{call_id}:STOP",
        "recordType": "STOP",
        "startTime": _iso(start),
        "endTime": _iso(end),
        "duration": max(0, int(get("duration") or 0)),
        "billableSeconds": max(0, int(get("billsec") or 0)) if answer else 0,
        "callingParty": {"number": calling, "subscriberId": subscriber, "location": {"country": config.country}},
        "calledParty": ({"number": called, "numberType": "SERVICE", "destination": config.country} if service
                        else {"number": called, "destination": _region(called)}),
        "callType": "CONFERENCE" if app in CONFERENCE_APPS else "VOICE",
        "callDirection": direction,
        "terminationReason": termination,
        "sipData": {"callIdHeader": get("uniqueid") or call_id},
        "metadata": {"serverNode": config.server_node, "tags": _tags(get("amaflags"), get("userfield"))},
    }
    if callee_account is not None:
        record["calledParty"]["subscriberId"] = callee_account
    if answer is not None:
        record["answerTime"] = _iso(answer)
    if get("linkedid"):
        record["linkedId"] = get("linkedid")
    if (get("sequence") or "").isdigit():
        record["legSequence"] = int(get("sequence") or 0)
    add_route_quality(record, cdr, channel if direction == "MOBILE_TERMINATED" else peer, start, config)
    return record


def add_route_quality(record: dict[str, Any], cdr: Mapping[str, str], trunk_channel: str, start: datetime,
                      config: AsteriskConfig) -> None:
    """Adds the route-quality fields the PBX logged: trunk, hangupCause, responseCode, progressTime."""
    trunk = _endpoint(trunk_channel) if trunk_channel.startswith(config.trunk_prefixes) else None
    if trunk:
        record["trunk"] = config.trunks.get(trunk, trunk)
    cause = (cdr.get("hangupcause") or "").strip()
    if cause.isdigit():
        record["hangupCause"] = int(cause)
    elif (status := (cdr.get("dialstatus") or "").strip().upper()) in DIALSTATUS_CAUSES:
        record["hangupCause"] = DIALSTATUS_CAUSES[status]
    if match := _SIP_CODE.search(cdr.get("sipcause") or ""):
        record["sipData"]["responseCode"] = int(match.group(1))
    delays = [int(text) for name in ("ringtime_ms", "progresstime_ms")
              if (text := (cdr.get(name) or "").strip()).isdigit()]
    if delays:
        record["progressTime"] = _iso(start + timedelta(milliseconds=min(delays)))


def account_of(code: str | None, channel: str, config: AsteriskConfig) -> str | None:
    """Our subscriber on this channel, or None for a trunk (or no channel)."""
    if not channel or channel.startswith(config.trunk_prefixes):
        return None
    name = code or _endpoint(channel)
    return config.accounts.get(name, name) if name else None


def _endpoint(channel: str) -> str | None:
    match = _ENDPOINT.match(channel)
    return match.group("name") if match else None


def _caller_id_number(clid: str) -> str:
    """'"Alice" <2001>' → 2001."""
    match = re.search(r"<([^>]*)>", clid)
    return match.group(1) if match else clid


def _is_service(dialled: str, config: AsteriskConfig) -> bool:
    """An emergency number, a feature code or one of the PBX's service numbers — before the
    extension plan, which would read 999 as an extension — or, beyond the extensions' length,
    a short number of the PBX's country (116 123, 118 118)."""
    if dialled in config.service_numbers or numbering.is_emergency(dialled, config.country):
        return True
    if dialled.isdigit() and len(dialled) <= config.extension_digits:
        return False
    return numbering.is_service(dialled, config.country)


def number_of(raw: str, config: AsteriskConfig, column: str) -> str:
    digits = raw.strip()
    if digits.isdigit() and len(digits) <= config.extension_digits:
        digits = config.extension_template.format(digits)
    try:
        return numbering.normalise(digits, config.country)
    except numbering.NumberError as error:
        raise AsteriskLineError(Reason.BAD_NUMBER,
                                f"{column} {raw!r} is neither an extension nor a number ({error})") from None


def _region(number: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or None
    except phonenumbers.NumberParseException:
        return None


def parse_time(value: str | None, config: AsteriskConfig, column: str) -> datetime | None:
    """A timestamp column: local 'YYYY-MM-DD HH:MM:SS' (fraction allowed) in the PBX's zone, or epoch seconds."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        if re.fullmatch(r"\d+(\.\d+)?", text):
            seconds = Decimal(text)
            return None if seconds == 0 else datetime.fromtimestamp(float(seconds), UTC)
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(config.zone)).astimezone(UTC)
    except ValueError:
        raise AsteriskLineError(Reason.BAD_TIMESTAMP, f"{column} {text!r}") from None


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _call_id(cdr: Mapping[str, str], line: str) -> str:
    uniqueid, sequence = cdr.get("uniqueid"), cdr.get("sequence")
    if uniqueid and sequence:
        return f"{uniqueid}-{sequence}"
    return "ast-" + hashlib.sha256(line.encode()).hexdigest()[:24]


def _tags(amaflags: str | None, userfield: str | None) -> list[str]:
    tags = [f"ama:{amaflags.lower()}"] if amaflags else []
    return tags + ([f"userfield:{userfield}"] if userfield else [])
