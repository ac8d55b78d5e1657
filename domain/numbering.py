"""E.164 numbering: recognise, normalise and check telephone numbers.

Producers send E.164 most of the time, and national or 00/011-prefixed forms now and then.
`classify_form` tells them apart by syntax; phonenumbers then decides:

- an E.164 number must be *possible* for its country code (libphonenumber's length check): a
  number too short or too long to exist, or with no such country code, is refused with why.
  A possible number outside every range the library knows as assigned is kept and rated by
  its prefix: numbering plans change faster than a library release, and a call the switch
  connected is revenue, not garbage;
- a national or 00/011 form must be a *valid* number (in an assigned range) when dialled from
  the subscriber's country: only then is the library's reading of it (which country, whether a
  leading 0 is a trunk prefix) trustworthy.

A called number may also be a service number — neither E.164 nor garbage: an emergency or
other short number of the caller's country (112, 999, 911, 116 123, 118 118: the library's
short-number tables), a feature code (`*97` voicemail, `#31#`), or any string of digits, `*`
and `#` its producer declared `SERVICE` (a PBX's own voicemail or feature numbers). It is kept
as dialled; it is rated by the tariff's service entries for the caller's country, free when
none matches (domain/rating.py).

The job's JVM parser (CdrParser.java, Numbering.java) applies the same rules with the same
library (libphonenumber, at phonenumbers' version), and gives the same reasons word for word.
"""

from __future__ import annotations

import enum
import re
from functools import lru_cache

import phonenumbers
from phonenumbers import shortnumberinfo

E164 = re.compile(r"\+[1-9][0-9]{1,14}")
# What a national or 00/011-prefixed number may look like before normalisation.
DIALABLE = re.compile(r"\+?[0-9(][0-9 ()./-]{2,30}")
# What a service number may look like: digits, * and #, as dialled.
SERVICE = re.compile(r"[0-9*#]{2,15}")
FEATURE_CODE = re.compile(r"[*#][0-9*#]{1,14}")
SHORT_DIGITS = re.compile(r"[0-9]{1,8}")  # the longest short numbers have 6 digits


class NumberError(ValueError):
    """A number that cannot be a called or calling party; the message says why, in words that
    follow the number (`'+4412' is too short for country code +44`)."""


class NumberForm(enum.Enum):
    E164 = "E164"
    DIALABLE = "DIALABLE"
    INVALID = "INVALID"


def classify_form(number: str) -> NumberForm:
    """Which form a raw number is in, by syntax alone (a service number is DIALABLE or, when
    too short or with * and #, INVALID here: only its country tells, see is_service)."""
    if E164.fullmatch(number):
        return NumberForm.E164
    if DIALABLE.fullmatch(number):
        return NumberForm.DIALABLE
    return NumberForm.INVALID


def may_be_number(number: str) -> bool:
    """Syntax a party's number must have: E.164, a dialable form, or a service number's."""
    return classify_form(number) is not NumberForm.INVALID or SERVICE.fullmatch(number) is not None


@lru_cache(maxsize=4_096)
def is_service(number: str, region: str | None) -> bool:
    """A feature code, or a short number (emergency, 116xxx, directory, ...) valid in `region`."""
    if FEATURE_CODE.fullmatch(number):
        return True
    if region is None or not SHORT_DIGITS.fullmatch(number):
        return False
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(shortnumberinfo.is_valid_short_number_for_region(parsed, region))


def is_emergency(number: str, region: str | None) -> bool:
    """An emergency number of `region` (112, 999, 911, ...), which no extension plan may shadow."""
    return region is not None and SHORT_DIGITS.fullmatch(number) is not None and bool(
        shortnumberinfo.is_emergency_number(number, region))


def check_service(number: str) -> None:
    """A number its producer declared SERVICE: kept as dialled if it has a service number's syntax."""
    if not SERVICE.fullmatch(number):
        raise NumberError(f"{number!r} is not a service number (2 to 15 digits, * and #)")


_TOO_SHORT = (phonenumbers.ValidationResult.TOO_SHORT, phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY)


def impossible_reason(e164: str) -> str | None:
    """Why an E.164-syntax number cannot exist, or None when it is possible.

    A length only possible for local dialling (without the area code) is too short: an E.164
    number is dialled from anywhere.
    """
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException as error:
        if error.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            return "does not start with a country code"
        return "is too short to be a telephone number"
    result = phonenumbers.is_possible_number_with_reason(parsed)
    code = f"country code +{parsed.country_code}"
    if result == phonenumbers.ValidationResult.IS_POSSIBLE:
        return None
    if result in _TOO_SHORT:
        return f"is too short for {code}"
    if result == phonenumbers.ValidationResult.TOO_LONG:
        return f"is too long for {code}"
    if result == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE:
        return "does not start with a country code"
    return f"has a length no number of {code} has"


@lru_cache(maxsize=65_536)
def normalise(number: str, region: str | None) -> str:
    """The E.164 form of `number` dialled from `region` (ISO 3166-1 alpha-2); NumberError if
    it has none (the rules are the module's)."""
    form = classify_form(number)
    if form is NumberForm.E164:
        reason = impossible_reason(number)
        if reason is not None:
            raise NumberError(f"{number!r} {reason}")
        return number
    if form is NumberForm.INVALID:
        raise NumberError(f"{number!r} is not a telephone number")
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        where = f"dialled from {region}" if region else "without a country to dial it from"
        raise NumberError(f"{number!r} is not a valid number {where}")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not E164.fullmatch(e164):
        raise NumberError(f"{number!r} is not a valid number dialled from {region}")
    return e164
