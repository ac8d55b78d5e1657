"""Multi-leg flows: each flow's legs as a PBX writes them, and who pays for each leg (written
here by hand from the flow's story, then checked through domain/legs.py's attribution)."""

from __future__ import annotations

import collections
import random
from typing import Any

import pytest

from domain.cdr import validate_record
from domain.legs import Charge, Leg, attribute
from synthetic.call_flows import FLOW_SHARES, FLOWS, pick_flow
from synthetic.traffic import TrafficSpec, generate, to_json

NONE, OWN, REDIRECTED = Charge.UNANSWERED, Charge.ORIGINATOR, Charge.REDIRECTING_PARTY
# flow -> the charges of its legs in sequence order
CHARGES = {
    "forward_no_answer": [NONE, REDIRECTED],  # B's forward: B pays the outside leg
    "forward_busy": [NONE, REDIRECTED],
    "blind_transfer": [OWN, REDIRECTED],  # A pays A-B; B pays A's leg to C
    "attended_transfer": [OWN, OWN, REDIRECTED],  # B's consultation is B's own call
    "three_way": [OWN, OWN],
    "park": [OWN, REDIRECTED],  # B parked A; the pick-up leg is on B
}


def _calls(spec: TrafficSpec) -> dict[str, list[dict[str, Any]]]:
    calls: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for record in generate(spec):
        if record["recordType"] == "STOP":
            calls[record.get("linkedId") or record["callId"]].append(record)
    return calls


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_each_flow_is_written_as_its_legs_and_charged_as_its_story(flow: str) -> None:
    spec = TrafficSpec(seed=11, calls=40, subscribers=30, hours=2, duplicate_share=0, flow_shares=((flow, 1.0),))
    calls = _calls(spec)
    assert len(calls) == 40
    for linked_id, legs in calls.items():
        assert all(validate_record(to_json(leg)).reason is None for leg in legs)
        legs.sort(key=lambda leg: leg["legSequence"])
        assert [leg["legSequence"] for leg in legs] == list(range(1, len(legs) + 1))
        assert legs[0]["callId"] == linked_id  # named after its first leg, as Asterisk's linkedid
        call = attribute([Leg.from_record(leg) for leg in legs])
        charges = [charged.charge for charged in call.legs]
        if flow == "parallel_dial":
            assert sorted(charges) == [OWN, NONE, NONE]
        elif flow == "conference":
            assert charges[0] == OWN and set(charges[1:]) == {OWN} and len(charges) in (3, 4)
            assert {leg["callType"] for leg in legs} == {"CONFERENCE"}
        elif legs[0]["callDirection"] == "MOBILE_TERMINATED":  # a forward of a call from outside
            assert charges == [NONE, REDIRECTED] and flow.startswith("forward")
        else:
            assert charges == CHARGES[flow]
        first_callee = legs[0]["calledParty"].get("subscriberId")  # B, who forwarded, transferred or parked
        assert all(charged.charged_to == first_callee for charged in call.legs if charged.charge is REDIRECTED)


def test_legs_arrive_as_a_pbx_sends_them() -> None:
    """Each leg's STOP when that leg ends: a transferred caller's leg after its call's first."""
    spec = TrafficSpec(seed=5, calls=60, subscribers=30, hours=2, duplicate_share=0, start_record_share=0,
                       flow_shares=(("blind_transfer", 1.0),))
    order = [record["legSequence"] for record in generate(spec) if record["recordType"] == "STOP"]
    ends = [record["endTime"] for record in generate(spec) if record["recordType"] == "STOP"]
    assert ends == sorted(ends) and order.count(1) == order.count(2) == 60


def test_default_shares_give_a_few_percent_of_calls_several_legs() -> None:
    calls = _calls(TrafficSpec(seed=3, calls=6_000, subscribers=300, hours=12))
    several = sum(1 for legs in calls.values() if len(legs) > 1)
    assert len(calls) == 6_000
    assert 0.03 < several / len(calls) < 0.07  # FLOW_SHARES sum to 5 %
    assert sum(FLOW_SHARES.values()) == pytest.approx(0.05)


def test_pick_flow_draws_by_share() -> None:
    rng = random.Random(1)
    drawn = collections.Counter(pick_flow(rng, {"a": 0.2, "b": 0.1}) for _ in range(20_000))
    assert abs(drawn["a"] / 20_000 - 0.2) < 0.01 and abs(drawn["b"] / 20_000 - 0.1) < 0.01
