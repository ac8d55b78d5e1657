from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tools.bad_records import GOOD
from tools.local_aws import PROJECT_ROOT
from udfs.cdr import Reason, validate_record
from udfs.numbering import NumberError, NumberForm, classify_form, normalise
from udfs.rating import load_tariffs, rate_call


@pytest.mark.parametrize("number, form", [
    ("+442079460958", NumberForm.E164), ("+1234567890123", NumberForm.E164),
    ("+1234567890123456", NumberForm.DIALABLE),  # 16 digits: not E.164, left to phonenumbers
    ("+0442079460958", NumberForm.DIALABLE), ("020 7946 0958", NumberForm.DIALABLE),
    ("(201) 555-0123", NumberForm.DIALABLE), ("call-me", NumberForm.INVALID), ("+", NumberForm.INVALID),
    ("12", NumberForm.INVALID),
])
def test_classify_form(number: str, form: NumberForm) -> None:
    assert classify_form(number) is form


def test_normalise_keeps_possible_e164_and_reads_national_forms() -> None:
    assert normalise("+33612345678", None) == "+33612345678"
    assert normalise("06 12 34 56 78", "FR") == "+33612345678"
    assert normalise("0044 20 7946 0958", "FR") == "+442079460958"


# Hand-written from the ITU/Ofcom/NANP plans: GB numbers have 10 national digits (7 or 9 only
# in a few ranges), NANP 10; +999 is unassigned; 8 digits after +44 is a London number
# without its area code.
@pytest.mark.parametrize("number, region, why", [
    ("+4412", None, "'+4412' is too short for country code +44"),
    ("+441234567890123", None, "'+441234567890123' is too long for country code +44"),
    ("+1202555012", None, "'+1202555012' is too short for country code +1"),
    ("+4420794609", None, "'+4420794609' is too short for country code +44"),
    ("+999123456", None, "'+999123456' does not start with a country code"),
    ("+12", None, "'+12' is too short to be a telephone number"),
    ("0000 000", "GB", "'0000 000' is not a valid number dialled from GB"),
    ("020 7946 0958", None, "'020 7946 0958' is not a valid number without a country to dial it from"),
    ("+1234567890123456", "GB", "'+1234567890123456' is not a valid number dialled from GB"),
    ("call-me", "GB", "'call-me' is not a telephone number"),
])
def test_impossible_numbers_are_refused_with_why(number: str, region: str | None, why: str) -> None:
    with pytest.raises(NumberError) as refused:
        normalise(number, region)
    assert str(refused.value) == why


def _record(called: str) -> str:
    return json.dumps({**GOOD, "calledParty": {**GOOD["calledParty"], "number": called}})


def test_a_refused_number_is_a_dead_letter_naming_the_field() -> None:
    verdict = validate_record(_record("+4412"))
    assert verdict.reason is Reason.INVALID_NUMBER
    assert verdict.detail == "calledParty.number '+4412' is too short for country code +44"


def test_a_possible_number_outside_known_ranges_is_kept_and_rated_by_its_prefix() -> None:
    # +44 1000 000000: 10 national digits (a possible GB length), in no range phonenumbers
    # 9.0.43 knows as assigned. Kept as is and rated under tariffs/default.csv's "44" (United
    # Kingdom, 0.0100 a minute, 1 s increments): 60 s of talk = 0.010000; tax 20 % = 0.002000.
    verdict = validate_record(_record("+441000000000"))
    assert verdict.reason is None and verdict.cdr is not None
    assert verdict.cdr.called_party.number == "+441000000000"
    rating = rate_call(load_tariffs(PROJECT_ROOT / "tariffs" / "default.csv"), "+441000000000",
                       mobile_originated=True, answered=True, talk_seconds=60, tax_rate=Decimal("0.2"))
    assert rating.tariff is not None and rating.tariff.prefix == "44"
    assert (rating.amount, rating.tax) == (Decimal("0.010000"), Decimal("0.002000"))
