"""The CDR record (docs/cdr-record.md) as a pydantic v2 model, and its verdict on raw input.

This module is the reference for what a valid CDR is. Every rule raises one of the stable
reason codes in `Reason`, so a rejected record is counted and explained the same way wherever
it is rejected. The job's hot path applies the same rules on the JVM, before the watermark
(java/src/main/java/org/cdrpipeline/flink/cdr/CdrParser.java, with
libphonenumber, the library phonenumbers ports, at the same version);
tests/integration/test_parse_agreement.py proves both give the same verdict on the same records,
and `flat_columns()` (derived from this model) is what the job's cdr_parsed view exposes.

Field order matters: the first failing field, in declaration order, names the reason, and the
Java parser checks in the same order.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from domain import numbering

MAX_ID = 128
MAX_TEXT = 1024
MAX_RECORD_CHARS = 65_536
_JSON_WHITESPACE = " \t\n\r"
# Upper bound of durations, byte counts and QoS figures: far above any real value.
MAX_MEASURE = 1e12


class Reason(enum.StrEnum):
    """Why a record was rejected: stable codes for dead letters, counts and alerts."""

    EMPTY_RECORD = "EMPTY_RECORD"
    RECORD_TOO_LARGE = "RECORD_TOO_LARGE"
    NOT_JSON = "NOT_JSON"
    NOT_OBJECT = "NOT_OBJECT"
    MISSING_FIELD = "MISSING_FIELD"
    WRONG_TYPE = "WRONG_TYPE"
    FIELD_TOO_LONG = "FIELD_TOO_LONG"
    INVALID_ENUM = "INVALID_ENUM"
    INVALID_VALUE = "INVALID_VALUE"
    INVALID_TIMESTAMP = "INVALID_TIMESTAMP"
    NEGATIVE_VALUE = "NEGATIVE_VALUE"
    END_BEFORE_START = "END_BEFORE_START"
    ANSWER_OUTSIDE_CALL = "ANSWER_OUTSIDE_CALL"
    PROGRESS_OUTSIDE_CALL = "PROGRESS_OUTSIDE_CALL"
    INVALID_NUMBER = "INVALID_NUMBER"


class RecordType(enum.StrEnum):
    START = "START"
    STOP = "STOP"
    INTERIM = "INTERIM"
    EVENT = "EVENT"


class CallingNumberType(enum.StrEnum):
    MOBILE = "MOBILE"
    LANDLINE = "LANDLINE"
    VOIP = "VOIP"


class CalledNumberType(enum.StrEnum):
    MOBILE = "MOBILE"
    LANDLINE = "LANDLINE"
    VOIP = "VOIP"
    INTERNATIONAL = "INTERNATIONAL"
    SERVICE = "SERVICE"  # an emergency, short or feature number, kept as dialled (domain/numbering.py)


class CallType(enum.StrEnum):
    VOICE = "VOICE"
    VIDEO = "VIDEO"
    CONFERENCE = "CONFERENCE"


class CallDirection(enum.StrEnum):
    MOBILE_ORIGINATED = "MOBILE_ORIGINATED"
    MOBILE_TERMINATED = "MOBILE_TERMINATED"


class TerminationReason(enum.StrEnum):
    NORMAL = "NORMAL"
    BUSY = "BUSY"
    NO_ANSWER = "NO_ANSWER"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


def _reject(reason: Reason, detail: str) -> PydanticCustomError:
    return PydanticCustomError(reason.value, detail)


# --- field types: each rejects with our reason codes --------------------------------------

def _text(max_length: int, required: bool) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is None:
            if required:
                raise _reject(Reason.MISSING_FIELD, "is required")
            return None
        if not isinstance(value, str):
            raise _reject(Reason.WRONG_TYPE, "must be a string")
        if len(value) > max_length:
            raise _reject(Reason.FIELD_TOO_LONG, f"is longer than {max_length} characters")
        if required and not value.strip():
            raise _reject(Reason.MISSING_FIELD, "is empty")
        return value

    return check


def _one_of(enum_type: type[enum.Enum], required: bool) -> Callable[[Any], Any]:
    text = _text(MAX_ID, required)

    def check(value: Any) -> Any:
        value = text(value)
        if value is None:
            return None
        try:
            return enum_type(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum_type)
            raise _reject(Reason.INVALID_ENUM, f"must be one of {allowed}, got {value!r}") from None

    return check


def _matching(pattern: str, what: str) -> Callable[[Any], str | None]:
    text = _text(MAX_ID, False)
    compiled = re.compile(pattern)

    def check(value: Any) -> str | None:
        value = text(value)
        if value is not None and not compiled.fullmatch(value):
            raise _reject(Reason.INVALID_VALUE, f"must be {what}, got {value!r}")
        return value

    return check


_TIMESTAMP = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})")


def _timestamp(required: bool) -> Callable[[Any], datetime | None]:
    text = _text(64, required)

    def check(value: Any) -> datetime | None:
        value = text(value)
        if value is None:
            return None
        match = _TIMESTAMP.fullmatch(value)
        if not match:
            raise _reject(Reason.INVALID_TIMESTAMP, f"must be ISO 8601 with an offset, got {value!r}")
        base, fraction, offset = match.groups()
        if offset != "Z" and int(offset[4:]) > 59:
            raise _reject(Reason.INVALID_TIMESTAMP, f"is not a real date-time: {value!r}")
        # Kept to the millisecond, as the job's TIMESTAMP_LTZ(3) columns keep them.
        micros = (fraction or "")[:3].ljust(6, "0")
        try:
            parsed = datetime.fromisoformat(f"{base}.{micros}{'+00:00' if offset == 'Z' else offset}")
        except ValueError:
            raise _reject(Reason.INVALID_TIMESTAMP, f"is not a real date-time: {value!r}") from None
        utc_offset = parsed.utcoffset() or timedelta(0)
        if abs(utc_offset) > timedelta(hours=18):  # java.time's limit, and the world's
            raise _reject(Reason.INVALID_TIMESTAMP, f"has an offset beyond 18 hours: {value!r}")
        return parsed.astimezone(UTC)

    return check


def _number(minimum: float, maximum: float = MAX_MEASURE) -> Callable[[Any], float | None]:
    def check(value: Any) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
            raise _reject(Reason.WRONG_TYPE, "must be a number")
        number = float(value)
        if number < minimum and minimum == 0:
            raise _reject(Reason.NEGATIVE_VALUE, f"must not be negative, got {value}")
        if number < minimum or number > maximum:
            raise _reject(Reason.INVALID_VALUE, f"must be within {minimum}..{maximum}, got {value}")
        return number

    return check


def _integer_within(minimum: int, maximum: float) -> Callable[[Any], int | None]:
    def check(value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not -(2**63) <= value < 2**63:
            raise _reject(Reason.WRONG_TYPE, "must be an integer")
        if value < minimum and minimum == 0:
            raise _reject(Reason.NEGATIVE_VALUE, f"must not be negative, got {value}")
        if value < minimum or value > maximum:
            raise _reject(Reason.INVALID_VALUE, f"must be within {minimum}..{maximum}, got {value}")
        return value

    return check


_integer = _integer_within(0, MAX_MEASURE)


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise _reject(Reason.WRONG_TYPE, "must be a number")
    return Decimal(value)


def _texts(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _reject(Reason.WRONG_TYPE, "must be an array of strings")
    return value


def _phone_number(value: Any) -> str:
    value = _text(64, True)(value)
    assert value is not None
    if not numbering.may_be_number(value):
        raise _reject(Reason.INVALID_NUMBER, f"not a telephone number: {value!r}")
    return value


def _object(required: bool) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is None and required:
            raise _reject(Reason.MISSING_FIELD, "is required")
        if value is not None and not isinstance(value, dict):
            raise _reject(Reason.WRONG_TYPE, "must be an object")
        return value

    return check


def column(name: str) -> Any:
    """Names the flat column a leaf field becomes in the job's cdr_parsed view."""
    return Field(default=None, json_schema_extra={"column": name})


Id = Annotated[str, BeforeValidator(_text(MAX_ID, True))]
OptionalId = Annotated[str | None, BeforeValidator(_text(MAX_ID, False))]
OptionalText = Annotated[str | None, BeforeValidator(_text(MAX_TEXT, False))]
Timestamp = Annotated[datetime, BeforeValidator(_timestamp(True))]
OptionalTimestamp = Annotated[datetime | None, BeforeValidator(_timestamp(False))]
NonNegative = Annotated[float | None, BeforeValidator(_number(0))]
Count = Annotated[int | None, BeforeValidator(_integer)]
Money = Annotated[Decimal | None, BeforeValidator(_money)]
PhoneNumber = Annotated[str, BeforeValidator(_phone_number)]
Country = Annotated[str | None, BeforeValidator(_matching(r"[A-Z]{2}", "an ISO 3166-1 alpha-2 code"))]
Currency = Annotated[str | None, BeforeValidator(_matching(r"[A-Z]{3}", "an ISO 4217 code"))]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Coordinates(_Part):
    lat: Annotated[float | None, BeforeValidator(_number(-90, 90))] = column("calling_lat")
    lon: Annotated[float | None, BeforeValidator(_number(-180, 180))] = column("calling_lon")


class Location(_Part):
    country: Country = column("calling_country")
    city: Annotated[str | None, BeforeValidator(_text(MAX_ID, False))] = column("calling_city")
    coordinates: Annotated[Coordinates | None, BeforeValidator(_object(False))] = None


class CallingParty(_Part):
    number: PhoneNumber = Field(json_schema_extra={"column": "calling_number"})
    number_type: Annotated[CallingNumberType | None, BeforeValidator(_one_of(CallingNumberType, False))] = (
        Field(default=None, alias="numberType", json_schema_extra={"column": "calling_number_type"}))
    subscriber_id: Id = Field(alias="subscriberId", json_schema_extra={"column": "subscriber_id"})
    location: Annotated[Location | None, BeforeValidator(_object(False))] = None


class CalledParty(_Part):
    number: PhoneNumber = Field(json_schema_extra={"column": "called_number"})
    number_type: Annotated[CalledNumberType | None, BeforeValidator(_one_of(CalledNumberType, False))] = (
        Field(default=None, alias="numberType", json_schema_extra={"column": "called_number_type"}))
    destination: Annotated[str | None, BeforeValidator(_text(MAX_ID, False))] = column("called_destination")
    # Extension: the callee when ours too (Asterisk's peeraccount); leg attribution charges a
    # forwarded or transferred leg to them.
    subscriber_id: OptionalId = Field(default=None, alias="subscriberId",
                                      json_schema_extra={"column": "called_subscriber_id"})


class SipData(_Part):
    from_uri: OptionalText = Field(default=None, alias="fromUri", json_schema_extra={"column": "sip_from_uri"})
    to_uri: OptionalText = Field(default=None, alias="toUri", json_schema_extra={"column": "sip_to_uri"})
    call_id_header: OptionalText = Field(
        default=None, alias="callIdHeader", json_schema_extra={"column": "sip_call_id"})
    user_agent: OptionalText = Field(
        default=None, alias="userAgent", json_schema_extra={"column": "sip_user_agent"})
    codec: OptionalId = column("sip_codec")
    ip_address: OptionalId = Field(default=None, alias="ipAddress", json_schema_extra={"column": "sip_ip"})
    # Extension: the final SIP response to the leg's INVITE (200 answered, 486 busy, 487
    # cancelled, 503 ...), for NER and the route panels.
    response_code: Annotated[int | None, BeforeValidator(_integer_within(100, 699))] = Field(
        default=None, alias="responseCode", json_schema_extra={"column": "sip_response_code"})


class Qos(_Part):
    jitter: NonNegative = column("qos_jitter_ms")
    packet_loss: Annotated[float | None, BeforeValidator(_number(0, 100))] = Field(
        default=None, alias="packetLoss", json_schema_extra={"column": "qos_packet_loss_pct"})
    latency: NonNegative = column("qos_latency_ms")
    mos: Annotated[float | None, BeforeValidator(_number(1, 5))] = column("qos_mos")


class Cost(_Part):
    currency: Currency = column("cost_currency")
    amount: Money = column("cost_amount")
    per_minute_rate: Money = Field(
        default=None, alias="perMinuteRate", json_schema_extra={"column": "cost_per_minute_rate"})
    tax_amount: Money = Field(default=None, alias="taxAmount", json_schema_extra={"column": "cost_tax_amount"})


class Metadata(_Part):
    server_node: OptionalId = Field(default=None, alias="serverNode", json_schema_extra={"column": "server_node"})
    recording_id: OptionalId = Field(
        default=None, alias="recordingId", json_schema_extra={"column": "recording_id"})
    tags: Annotated[list[str] | None, BeforeValidator(_texts)] = column("tags")


class DataUsage(_Part):
    bytes_sent: Count = Field(default=None, alias="bytesSent", json_schema_extra={"column": "bytes_sent"})
    bytes_received: Count = Field(
        default=None, alias="bytesReceived", json_schema_extra={"column": "bytes_received"})


class Cdr(_Part):
    """One CDR. Numbers are E.164 after validation (normalised from national forms), but a
    called service number, kept as dialled with numberType SERVICE."""

    call_id: Id = Field(alias="callId", json_schema_extra={"column": "call_id"})
    record_id: Id = Field(alias="recordId", json_schema_extra={"column": "record_id"})
    record_type: Annotated[RecordType, BeforeValidator(_one_of(RecordType, True))] = Field(
        alias="recordType", json_schema_extra={"column": "record_type"})
    start_time: Timestamp = Field(alias="startTime", json_schema_extra={"column": "start_time"})
    answer_time: OptionalTimestamp = Field(
        default=None, alias="answerTime", json_schema_extra={"column": "answer_time"})
    end_time: OptionalTimestamp = Field(default=None, alias="endTime", json_schema_extra={"column": "end_time"})
    duration: NonNegative = column("duration_s")
    billable_seconds: NonNegative = Field(
        default=None, alias="billableSeconds", json_schema_extra={"column": "switch_billable_s"})
    calling_party: Annotated[CallingParty, BeforeValidator(_object(True))] = Field(alias="callingParty")
    called_party: Annotated[CalledParty, BeforeValidator(_object(True))] = Field(alias="calledParty")
    call_type: Annotated[CallType, BeforeValidator(_one_of(CallType, True))] = Field(
        alias="callType", json_schema_extra={"column": "call_type"})
    call_direction: Annotated[CallDirection, BeforeValidator(_one_of(CallDirection, True))] = Field(
        alias="callDirection", json_schema_extra={"column": "call_direction"})
    termination_reason: Annotated[
        TerminationReason | None, BeforeValidator(_one_of(TerminationReason, False))] = Field(
        default=None, alias="terminationReason", json_schema_extra={"column": "termination_reason"})
    sip_data: Annotated[SipData | None, BeforeValidator(_object(False))] = Field(default=None, alias="sipData")
    qos: Annotated[Qos | None, BeforeValidator(_object(False))] = None
    cost: Annotated[Cost | None, BeforeValidator(_object(False))] = None
    metadata: Annotated[Metadata | None, BeforeValidator(_object(False))] = None
    linked_id: OptionalId = Field(default=None, alias="linkedId", json_schema_extra={"column": "linked_id"})
    leg_sequence: Count = Field(default=None, alias="legSequence", json_schema_extra={"column": "leg_sequence"})
    data_usage: Annotated[DataUsage | None, BeforeValidator(_object(False))] = Field(
        default=None, alias="dataUsage")
    # Extensions for route quality: when the callee's phone started ringing (the first 180/183:
    # PDD = progressTime - startTime), the ITU-T Q.850 cause the call was cleared with, and the
    # trunk (carrier or outbound route) the leg used.
    progress_time: OptionalTimestamp = Field(
        default=None, alias="progressTime", json_schema_extra={"column": "progress_time"})
    hangup_cause: Annotated[int | None, BeforeValidator(_integer_within(0, 127))] = Field(
        default=None, alias="hangupCause", json_schema_extra={"column": "hangup_cause"})
    trunk: OptionalId = column("trunk")

    @model_validator(mode="after")
    def _consistent(self) -> Cdr:
        if self.record_type is RecordType.STOP:
            if self.end_time is None:
                raise _reject(Reason.MISSING_FIELD, "endTime is required on STOP records")
            if self.termination_reason is None:
                raise _reject(Reason.MISSING_FIELD, "terminationReason is required on STOP records")
        if self.end_time is not None and self.end_time < self.start_time:
            raise _reject(Reason.END_BEFORE_START, "endTime is before startTime")
        if self.answer_time is not None and (
                self.answer_time < self.start_time
                or (self.end_time is not None and self.answer_time > self.end_time)):
            raise _reject(Reason.ANSWER_OUTSIDE_CALL, "answerTime is outside startTime..endTime")
        if self.progress_time is not None and (
                self.progress_time < self.start_time
                or (self.answer_time is not None and self.progress_time > self.answer_time)
                or (self.end_time is not None and self.progress_time > self.end_time)):
            raise _reject(Reason.PROGRESS_OUTSIDE_CALL, "progressTime is outside startTime..answerTime (or endTime)")
        region = self.calling_party.location.country if self.calling_party.location else None
        called = self.called_party
        try:
            number = numbering.normalise(self.calling_party.number, region)
            object.__setattr__(self.calling_party, "number", number)
        except numbering.NumberError as error:
            raise _reject(Reason.INVALID_NUMBER, f"callingParty.number {error}") from None
        try:
            if called.number_type is CalledNumberType.SERVICE:
                numbering.check_service(called.number)
            elif numbering.is_service(called.number, region):
                object.__setattr__(called, "number_type", CalledNumberType.SERVICE)
            else:
                object.__setattr__(called, "number", numbering.normalise(called.number, region))
        except numbering.NumberError as error:
            raise _reject(Reason.INVALID_NUMBER, f"calledParty.number {error}") from None
        return self

    @property
    def logical_call_id(self) -> str:
        """linkedId, shared by every leg of one logical call; the call id when absent."""
        return self.linked_id or self.call_id

    @property
    def event_time(self) -> datetime:
        """The time the job orders and windows this record by: end, else setup."""
        return self.end_time or self.start_time


@dataclass(frozen=True)
class Verdict:
    """The outcome of validating one raw record: a CDR, or a reason and a detail."""

    cdr: Cdr | None
    reason: Reason | None = None
    detail: str = ""


_PYDANTIC_REASONS = {"missing": Reason.MISSING_FIELD, "model_type": Reason.WRONG_TYPE,
                     "dict_type": Reason.WRONG_TYPE}


def validate_record(raw: str | bytes) -> Verdict:
    """Validate one raw record (a JSON text) against the CDR contract. Never raises."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        return Verdict(None, Reason.NOT_JSON, f"not UTF-8: {error}")
    if len(text) > MAX_RECORD_CHARS:
        return Verdict(None, Reason.RECORD_TOO_LARGE,
                       f"the record has {len(text)} characters, over {MAX_RECORD_CHARS}")
    if not text.strip(_JSON_WHITESPACE):
        return Verdict(None, Reason.EMPTY_RECORD, "the record is empty")
    try:
        # Decimal keeps money exact, and lets integers and fractions be told apart.
        document = json.loads(text, parse_float=Decimal, parse_constant=_no_constants)
    except ValueError as error:
        return Verdict(None, Reason.NOT_JSON, f"not JSON: {error}")
    if not isinstance(document, dict):
        return Verdict(None, Reason.NOT_OBJECT, "JSON, but not an object")
    try:
        return Verdict(Cdr.model_validate(document))
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        reason = _PYDANTIC_REASONS.get(first["type"]) or Reason(first["type"])
        where = ".".join(str(part) for part in first["loc"])
        return Verdict(None, reason, f"{where}: {first['msg']}" if where else first["msg"])


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_SQL_TYPES = {str: "STRING", float: "DOUBLE", int: "BIGINT", Decimal: "DECIMAL(18, 6)",
              datetime: "TIMESTAMP_LTZ(3)", list: "ARRAY<STRING>"}


def flat_columns() -> list[tuple[str, str]]:
    """(column, SQL type) of every leaf field, in declaration order: the parsed view's schema."""
    columns: list[tuple[str, str]] = []

    def walk(model: type[BaseModel]) -> None:
        for info in model.model_fields.values():
            annotation = _unwrap(info.annotation)
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation)
                continue
            extra = info.json_schema_extra
            assert isinstance(extra, dict), f"{model.__name__} field lacks a column name"
            if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
                annotation = str
            origin = getattr(annotation, "__origin__", annotation)
            columns.append((str(extra["column"]), _SQL_TYPES[origin]))

    walk(Cdr)
    return columns


def _unwrap(annotation: Any) -> Any:
    """The one non-None type of an Optional annotation."""
    arguments = [arg for arg in getattr(annotation, "__args__", ()) if arg is not type(None)]
    if getattr(annotation, "__origin__", None) is None and type(annotation).__name__ == "UnionType":
        return arguments[0]
    if len(arguments) == 1 and type(annotation).__name__ in ("UnionType", "_UnionGenericAlias"):
        return arguments[0]
    return annotation
