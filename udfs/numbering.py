"""E.164 numbering: recognise, normalise and classify telephone numbers.

Producers send E.164 most of the time, and national or 00/011-prefixed forms now and then.
Only the latter need phonenumbers (slow next to a regex); `classify_form` is the cheap test
that tells them apart. The job's JVM parser (CdrParser.java) applies the same two patterns and
the same library (libphonenumber, at phonenumbers' version).
"""

from __future__ import annotations

import enum
import re
from functools import lru_cache

import phonenumbers

E164 = re.compile(r"\+[1-9][0-9]{1,14}")
# What a national or 00/011-prefixed number may look like before normalisation.
DIALABLE = re.compile(r"\+?[0-9(][0-9 ()./-]{2,30}")


class NumberForm(enum.Enum):
    E164 = "E164"
    DIALABLE = "DIALABLE"
    INVALID = "INVALID"


def classify_form(number: str) -> NumberForm:
    """Which form a raw number is in, by syntax alone."""
    if E164.fullmatch(number):
        return NumberForm.E164
    if DIALABLE.fullmatch(number):
        return NumberForm.DIALABLE
    return NumberForm.INVALID


@lru_cache(maxsize=65_536)
def normalise(number: str, region: str | None) -> str | None:
    """The E.164 form of `number` dialled from `region` (ISO 3166-1 alpha-2), or None.

    E.164 input is returned as is. Anything else must parse and be a valid number for
    phonenumbers, with `region` supplying the country of national forms; 00 and 011
    international prefixes are understood through the region's dialling rules.
    """
    form = classify_form(number)
    if form is NumberForm.E164:
        return number
    if form is NumberForm.INVALID:
        return None
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164 if E164.fullmatch(e164) else None
