"""Leg attribution by hand-worked cases: who pays for which leg, and a call counted once."""

from __future__ import annotations

import pytest

from domain.legs import Charge, Leg, attribute, known_complete

MO, MT = "MOBILE_ORIGINATED", "MOBILE_TERMINATED"
ALICE, BOB, CHARLIE = "+442079460001", "+442079460002", "+442079460003"
S = 1_000  # ms per second


def leg(seq: int, calling: str, called: str, start: int, answer: int | None, end: int, *, subscriber: str,
        callee: str | None = None, direction: str = MO, linked: str = "L1") -> Leg:
    return Leg(f"r{seq}", f"c{seq}", linked, seq, subscriber, direction, calling, called, start * S,
               None if answer is None else answer * S, end * S, callee)


def charges(call) -> list[tuple[str | None, Charge]]:
    return [(charged.charged_to, charged.charge) for charged in call.legs]


def test_a_simple_answered_call() -> None:
    call = attribute([leg(1, ALICE, BOB, 0, 5, 65, subscriber="alice", callee="bob")])
    assert charges(call) == [("alice", Charge.ORIGINATOR)]
    assert (call.answered, call.conversation_ms, call.first_setup_ms, call.last_end_ms) == (True, 60 * S, 0, 65 * S)
    assert call.originating_subscriber == "alice"


def test_parallel_dial_charges_only_the_answered_phone() -> None:
    # Dial(bob&charlie): both ring from 0; Charlie answers at 8 and Bob's phone stops ringing.
    call = attribute([leg(1, ALICE, BOB, 0, None, 8, subscriber="alice", callee="bob"),
                      leg(2, ALICE, CHARLIE, 0, 8, 98, subscriber="alice", callee="charlie")])
    assert charges(call) == [(None, Charge.UNANSWERED), ("alice", Charge.ORIGINATOR)]
    assert call.conversation_ms == 90 * S


def test_a_forward_is_paid_by_the_forwarding_subscriber() -> None:
    # Bob does not answer for 20 s; his forward rings Charlie, who talks 100 s.
    call = attribute([leg(1, ALICE, BOB, 0, None, 20, subscriber="alice", callee="bob"),
                      leg(2, ALICE, CHARLIE, 20, 25, 125, subscriber="alice", callee="charlie")])
    assert charges(call) == [(None, Charge.UNANSWERED), ("bob", Charge.REDIRECTING_PARTY)]
    assert call.conversation_ms == 100 * S


def test_a_blind_transfer_is_paid_by_the_transferring_subscriber_and_time_is_not_summed() -> None:
    # Alice-Bob 5..60; Bob transfers Alice to Charlie at 60, who answers at 64 and talks to 160.
    call = attribute([leg(1, ALICE, BOB, 0, 5, 60, subscriber="alice", callee="bob"),
                      leg(2, ALICE, CHARLIE, 60, 64, 160, subscriber="alice", callee="charlie")])
    assert charges(call) == [("alice", Charge.ORIGINATOR), ("bob", Charge.REDIRECTING_PARTY)]
    assert call.conversation_ms == (60 - 5 + 160 - 64) * S
    assert [charged.billed_to for charged in call.legs] == ["alice", "bob"]  # Alice's 2nd leg goes on Bob's bill


def test_a_three_way_call_overlaps_once() -> None:
    # Alice-Bob 5..300; Bob adds Charlie 100..250 (Bob's own leg, beside the first).
    call = attribute([leg(1, ALICE, BOB, 0, 5, 300, subscriber="alice", callee="bob"),
                      leg(2, BOB, CHARLIE, 90, 100, 250, subscriber="bob", callee="charlie")])
    assert charges(call) == [("alice", Charge.ORIGINATOR), ("bob", Charge.ORIGINATOR)]
    assert call.conversation_ms == 295 * S  # not 295 + 150


def test_an_incoming_call_is_nobody_of_ours_to_pay_unless_forwarded() -> None:
    outside = "+33144556677"
    call = attribute([leg(1, outside, BOB, 0, None, 15, subscriber="bob", direction=MT, callee="bob"),
                      leg(2, outside, CHARLIE, 15, 18, 78, subscriber="charlie", direction=MT, callee="charlie")])
    assert charges(call) == [(None, Charge.UNANSWERED), ("bob", Charge.REDIRECTING_PARTY)]
    assert call.originating_subscriber is None
    # an unanswered leg costs nothing but is a call on its own subscriber's bill
    assert [charged.billed_to for charged in call.legs] == ["bob", "bob"]
    plain = attribute([leg(1, outside, BOB, 0, 3, 33, subscriber="bob", direction=MT, callee="bob")])
    assert charges(plain) == [(None, Charge.INCOMING)]


def test_legs_are_ordered_by_sequence_then_setup_and_must_share_the_linked_id() -> None:
    first = leg(1, ALICE, BOB, 0, 5, 60, subscriber="alice", callee="bob")
    second = leg(2, ALICE, CHARLIE, 60, 64, 160, subscriber="alice", callee="charlie")
    assert attribute([second, first]) == attribute([first, second])
    with pytest.raises(ValueError, match="more than one linkedId"):
        attribute([first, leg(3, ALICE, BOB, 0, 1, 2, subscriber="alice", linked="L2")])
    with pytest.raises(ValueError, match="at least one leg"):
        attribute([])


QUIET, MAX_AGE = 30 * S, 6 * 3600 * S


def test_a_call_is_complete_at_a_leg_end_with_no_other_leg_ending_within_the_quiet_period() -> None:
    first = leg(1, ALICE, BOB, 0, 5, 100, subscriber="alice")
    second = leg(2, ALICE, CHARLIE, 100, 105, 120, subscriber="alice")  # ends 20 s after the first
    assert known_complete([first, second], {}, 100 * S, QUIET, MAX_AGE) == []
    assert known_complete([first, second], {}, 120 * S, QUIET, MAX_AGE) == [first, second]


def test_a_leg_ending_after_the_quiet_period_is_not_looked_at_even_if_already_read() -> None:
    first = leg(1, ALICE, BOB, 0, 5, 100, subscriber="alice")
    later = leg(2, ALICE, CHARLIE, 100, 105, 131, subscriber="alice")  # 31 s after: a revision
    assert known_complete([first, later], {}, 100 * S, QUIET, MAX_AGE) == [first]
    assert known_complete([first, later], {}, 131 * S, QUIET, MAX_AGE) == [first, later]
    assert known_complete([first, later], {}, 99 * S, QUIET, MAX_AGE) == []


def test_a_late_leg_joins_the_legs_already_emitted_never_a_call_of_its_own() -> None:
    """A forward (first leg to bob, bob's leg on to charlie 98 s later) whose first leg is read
    after the second was already emitted alone: its timer, at its own end, sees the second as
    a member, so the revision holds both and bills the forwarded leg to bob (as in order)."""
    first = leg(1, ALICE, BOB, 0, 5, 100, subscriber="alice", callee="bob")
    forwarded = leg(2, ALICE, CHARLIE, 101, 105, 198, subscriber="alice", callee="charlie")
    in_order = attribute(known_complete([first, forwarded], {}, 198 * S, QUIET, MAX_AGE))
    assert [x.billed_to for x in in_order.legs] == ["alice", "bob"]
    assert known_complete([forwarded], {}, 198 * S, QUIET, MAX_AGE) == [forwarded]  # emitted alone ...
    assert [x.billed_to for x in attribute([forwarded]).legs] == ["alice"]  # ... and billed as alice's own
    late = known_complete([forwarded, first], {}, 100 * S, QUIET, MAX_AGE, emitted={forwarded.record_id})
    assert sorted(late, key=lambda x: x.leg_sequence) == [first, forwarded]
    assert [(x.record_id, x.billed_to) for x in attribute(late).legs] == \
        [(x.record_id, x.billed_to) for x in in_order.legs]
    # an emitted leg ending within the quiet period after the late one does not hold it back
    close = leg(2, ALICE, CHARLIE, 101, 105, 120, subscriber="alice", callee="charlie")
    assert len(known_complete([close, first], {}, 100 * S, QUIET, MAX_AGE, emitted={close.record_id})) == 2


def test_a_started_leg_holds_the_call_until_it_ends_or_the_maximum_age() -> None:
    first = leg(1, ALICE, BOB, 0, 5, 100, subscriber="alice")
    held = {"c2": 50 * S, "c1": 0}
    assert known_complete([first], held, 100 * S, QUIET, MAX_AGE) == []
    assert known_complete([first], {"c2": 129 * S}, 100 * S, QUIET, MAX_AGE) == []  # starts within the quiet period
    assert known_complete([first], {"c2": 131 * S}, 100 * S, QUIET, MAX_AGE) == [first]
    second = leg(2, ALICE, CHARLIE, 50, 55, 7000, subscriber="alice")
    assert known_complete([first, second], held, 7000 * S, QUIET, MAX_AGE) == [first, second]
    assert known_complete([first], held, MAX_AGE - 1, QUIET, MAX_AGE) == []
    assert known_complete([first], held, MAX_AGE, QUIET, MAX_AGE) == [first]
