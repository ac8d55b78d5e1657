from __future__ import annotations

import json
from decimal import Decimal

import pytest

from domain.cdr import Reason, validate_record
from domain.numbering import NumberError, NumberForm, classify_form, is_service, normalise
from domain.tariff_plans import rate_leg
from jobs.config import BillingConfig, tariff_source
from synthetic.bad_records import GOOD


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
    # 9.0.43 knows as assigned. Kept as is and rated under tariffs/decks/default/1970-01-01.csv's "44" (United
    # Kingdom, 0.0100 a minute, 1 s increments): 60 s of talk = 0.010000; tax 20 % = 0.002000.
    verdict = validate_record(_record("+441000000000"))
    assert verdict.reason is None and verdict.cdr is not None
    assert verdict.cdr.called_party.number == "+441000000000"
    book = BillingConfig(tariffs=tariff_source("tariffs/decks/default/1970-01-01.csv"), tax_rate=Decimal("0.2")).book
    rating = rate_leg(book, "s", "+441000000000", "GB", mobile_originated=True, started_ms=0, answered_ms=0,
                      talk_seconds=60)
    assert rating.prefix == "44"
    assert (rating.amount, rating.tax) == (Decimal("0.010000"), Decimal("0.002000"))


# Service numbers, from the national plans: 999 and 112 are GB's emergency numbers, 116 123
# the Samaritans, 118 118 a directory enquiry service; 999 is nothing in France; *97 is a
# feature code (voicemail) anywhere.
@pytest.mark.parametrize("number, region, service", [
    ("999", "GB", True), ("112", "GB", True), ("116123", "GB", True), ("118118", "GB", True),
    ("911", "US", True), ("15", "FR", True), ("*97", None, True), ("#31#", "GB", True),
    ("999", "FR", False), ("112", None, False), ("12", "GB", False), ("+442079460958", "GB", False),
    ("02079460958", "GB", False),
])
def test_service_numbers_are_known_by_the_callers_country(number: str, region: str | None, service: bool) -> None:
    assert is_service(number, region) is service


def test_a_service_number_is_kept_as_dialled_and_typed_service() -> None:
    verdict = validate_record(_record("116123"))  # GOOD calls from GB
    assert verdict.cdr is not None
    assert (verdict.cdr.called_party.number, verdict.cdr.called_party.number_type) == ("116123", "SERVICE")
    declared = json.dumps({**GOOD, "calledParty": {"number": "8500", "numberType": "SERVICE"}})
    cdr = validate_record(declared).cdr
    assert cdr is not None and cdr.called_party.number == "8500"


def test_what_is_no_service_number_is_refused_saying_why() -> None:
    abroad = json.loads(_record("999"))
    abroad["callingParty"]["location"]["country"] = "FR"
    verdict = validate_record(json.dumps(abroad))
    assert (verdict.reason, verdict.detail) == (
        Reason.INVALID_NUMBER, "calledParty.number '999' is not a valid number dialled from FR")
    declared = json.dumps({**GOOD, "calledParty": {"number": "+442079460958", "numberType": "SERVICE"}})
    verdict = validate_record(declared)
    assert verdict.detail == ("calledParty.number '+442079460958' is not a service number "
                              "(2 to 15 digits, * and #)")
    calling = json.dumps({**GOOD, "callingParty": {**GOOD["callingParty"], "number": "112"}})
    assert validate_record(calling).detail == "callingParty.number '112' is not a valid number dialled from GB"
