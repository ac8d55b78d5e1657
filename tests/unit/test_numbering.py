from __future__ import annotations

import pytest

from udfs.numbering import NumberForm, classify_form, normalise


@pytest.mark.parametrize("number, form", [
    ("+442079460958", NumberForm.E164), ("+1234567890123", NumberForm.E164),
    ("+1234567890123456", NumberForm.DIALABLE),  # 16 digits: not E.164, left to phonenumbers
    ("+0442079460958", NumberForm.DIALABLE), ("020 7946 0958", NumberForm.DIALABLE),
    ("(201) 555-0123", NumberForm.DIALABLE), ("call-me", NumberForm.INVALID), ("+", NumberForm.INVALID),
    ("12", NumberForm.INVALID),
])
def test_classify_form(number: str, form: NumberForm) -> None:
    assert classify_form(number) is form


def test_normalise_keeps_e164_and_rejects_what_phonenumbers_rejects() -> None:
    assert normalise("+33612345678", None) == "+33612345678"
    assert normalise("06 12 34 56 78", "FR") == "+33612345678"
    assert normalise("0000 000", "GB") is None
    assert normalise("+1234567890123456", "GB") is None
    assert normalise("020 7946 0958", None) is None
