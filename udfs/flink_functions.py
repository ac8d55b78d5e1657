"""Thin PyFlink wrappers around the domain functions, registered from sql/functions/."""

from __future__ import annotations

from pyflink.common import Row
from pyflink.table import DataTypes
from pyflink.table.udf import udf

from udfs import numbering
from udfs.cdr import Reason

_NUMBERS = DataTypes.ROW([
    DataTypes.FIELD("calling_number", DataTypes.STRING()),
    DataTypes.FIELD("called_number", DataTypes.STRING()),
    DataTypes.FIELD("reject_reason", DataTypes.STRING()),
    DataTypes.FIELD("reject_detail", DataTypes.STRING()),
])


@udf(result_type=_NUMBERS)
def normalise_numbers(calling: str, called: str, country: str | None) -> Row:
    """Both numbers in E.164 (dialled from `country`), or the reason the record is rejected."""
    calling_e164 = numbering.normalise(calling, country)
    if calling_e164 is None:
        return Row(None, None, Reason.INVALID_NUMBER.value,
                   f"callingParty.number {calling!r} cannot be normalised to E.164")
    called_e164 = numbering.normalise(called, country)
    if called_e164 is None:
        return Row(None, None, Reason.INVALID_NUMBER.value,
                   f"calledParty.number {called!r} cannot be normalised to E.164")
    return Row(calling_e164, called_e164, None, None)
