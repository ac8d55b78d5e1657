"""Leg attribution: the legs of one logical SIP call, who pays for each, and the call once.

A call through a PBX is several CDRs — caller→proxy→callee, a parallel dial's ringing phones,
a forward, a transfer, a conference's participants — tied by linkedId (Asterisk's linkedid;
absent → callId). Counting legs as calls inflates usage, and summing their durations
double-counts the time two legs were bridged at once. This module turns one linkedId's final
legs into one `LogicalCall`: its first set-up, last end, whether anyone answered, its
conversation time (wall time while at least one leg was answered: the union of the legs'
answer..end spans), and per leg the party charged:

- an unanswered leg is never charged (a parallel dial's other phones, a busy or failed try);
- a leg that continues the same caller after an earlier, finished leg of theirs to someone
  else was redirected by that someone — a forward (the earlier leg unanswered) or a transfer
  (it answered, then handed the caller on); the redirecting party pays, if they are ours;
- every other answered leg is paid by its originator, the leg's own subscriber when the leg
  is outgoing (a conference participant's leg, a three-way call's second leg); nobody of ours
  pays an incoming leg.

When a call is complete is decided here too (`known_complete`), by event time alone: the
same records then make the same calls however fast they are read, in streaming and in replay.

No Flink here: the job's keyed function (by linkedId) and the Asterisk adapter's tests call
`attribute` on plain `Leg`s.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MO = "MOBILE_ORIGINATED"
# A leg that starts within this of an earlier leg's end continues it (a forward or a transfer
# is set up as the earlier leg is released); one that starts before it ended runs beside it.
HANDOVER_MS = 2_000


class Charge(enum.StrEnum):
    """Why a leg is charged to whom."""

    ORIGINATOR = "ORIGINATOR"  # the leg's own subscriber called out
    REDIRECTING_PARTY = "REDIRECTING_PARTY"  # forwarded or transferred by this subscriber
    UNANSWERED = "UNANSWERED"  # no conversation, no charge
    INCOMING = "INCOMING"  # called from outside: the calling network pays


@dataclass(frozen=True)
class Leg:
    """One final leg (a STOP), with what attribution reads."""

    record_id: str
    call_id: str
    linked_id: str
    leg_sequence: int | None
    subscriber_id: str  # ours on this leg: the caller on an outgoing leg, the callee on an incoming one
    direction: str  # MOBILE_ORIGINATED or MOBILE_TERMINATED
    calling_number: str
    called_number: str
    start_ms: int
    answer_ms: int | None  # None: never answered
    end_ms: int
    called_subscriber_id: str | None = None  # the callee, when ours too (Asterisk's peeraccount)

    @property
    def answered(self) -> bool:
        return self.answer_ms is not None

    @staticmethod
    def from_record(record: Mapping[str, Any]) -> Leg:
        """A validated STOP record (camelCase, E.164 numbers, ISO 8601 times) as a leg."""
        calling, called = record["callingParty"], record["calledParty"]
        answer = record.get("answerTime")
        return Leg(record["recordId"], record["callId"], record.get("linkedId") or record["callId"],
                   record.get("legSequence"), calling["subscriberId"], record["callDirection"], calling["number"],
                   called["number"], _ms(record["startTime"]), _ms(answer) if answer else None,
                   _ms(record["endTime"]), called.get("subscriberId"))


@dataclass(frozen=True)
class ChargedLeg:
    record_id: str
    call_id: str
    charged_to: str | None
    charge: Charge
    talk_ms: int  # this leg's own answered time
    # Whose bill the leg's rated price goes on: the charged party when another of ours pays
    # (a forward or transfer); otherwise the leg's own subscriber, on whose bill an unanswered
    # or incoming leg still counts as a call (it costs nothing).
    billed_to: str


@dataclass(frozen=True)
class LogicalCall:
    linked_id: str
    originating_subscriber: str | None  # None when the call came in from outside
    calling_number: str
    legs: tuple[ChargedLeg, ...]  # in leg order
    first_setup_ms: int
    last_end_ms: int
    answered: bool
    conversation_ms: int  # wall time with at least one leg answered, never a sum of legs


def ordered(legs: Iterable[Leg]) -> list[Leg]:
    """Leg order: legSequence, then set-up time (a leg without a sequence after those with)."""
    return sorted(legs, key=lambda leg: (leg.leg_sequence is None, leg.leg_sequence or 0, leg.start_ms,
                                         leg.record_id))


def attribute(legs: Iterable[Leg]) -> LogicalCall:
    """One logical call from all its final legs (at least one, all of one linkedId)."""
    chain = ordered(legs)
    if not chain:
        raise ValueError("a logical call needs at least one leg")
    if len({leg.linked_id for leg in chain}) != 1:
        raise ValueError("legs of more than one linkedId")
    first = chain[0]
    charged = tuple(_charge(leg, chain[:index]) for index, leg in enumerate(chain))
    return LogicalCall(
        linked_id=first.linked_id,
        originating_subscriber=first.subscriber_id if first.direction == MO else None,
        calling_number=first.calling_number,
        legs=charged,
        first_setup_ms=min(leg.start_ms for leg in chain),
        last_end_ms=max(leg.end_ms for leg in chain),
        answered=any(leg.answered for leg in chain),
        conversation_ms=_union_ms([(leg.answer_ms, leg.end_ms) for leg in chain if leg.answer_ms is not None]),
    )


def known_complete(legs: Iterable[Leg], started: Mapping[str, int], at_ms: int, quiet_ms: int,
                   max_age_ms: int, emitted: Collection[str] = frozenset()) -> list[Leg]:
    """The legs that make up a call known complete at event time `at_ms`, or [] while it is not.

    A leg belongs once its end has passed (`at_ms`); one that ends later is not looked at, even
    if it has been read already. The call is complete when no other leg of it ends within the
    quiet period after `at_ms` (legs released together are one call, not a call and a
    revision), and no leg whose START (`started`: callId → set-up ms) came by then is still
    running — unless the maximum age since its first set-up has passed: then it is complete
    with what has ended. A PBX that writes a leg only when it ends (Asterisk) cannot hold a
    call back: its later leg makes a revision.

    `emitted` (record ids of the legs earlier emissions of the call held) always belong: a leg
    read after the event time of its end had passed (late: its shard read behind the others)
    is decided at its own end, before legs already emitted — a revision that left those out
    would bill them as calls of their own.
    """
    legs = list(legs)
    ended = [leg for leg in legs if leg.end_ms <= at_ms or leg.record_id in emitted]
    if not ended:
        return []
    horizon = at_ms + quiet_ms
    stopped = {leg.call_id for leg in ended}
    running = [start for call_id, start in started.items() if start <= horizon and call_id not in stopped]
    first_setup = min([leg.start_ms for leg in ended] + [start for start in running if start <= at_ms])
    if at_ms >= first_setup + max_age_ms:
        return ended
    if running or any(at_ms < leg.end_ms <= horizon and leg.record_id not in emitted for leg in legs):
        return []
    return ended


def _charge(leg: Leg, before: list[Leg]) -> ChargedLeg:
    talk = leg.end_ms - leg.answer_ms if leg.answer_ms is not None else 0
    own = leg.subscriber_id
    if not leg.answered:
        return ChargedLeg(leg.record_id, leg.call_id, None, Charge.UNANSWERED, 0, own)
    redirected_by = _redirecting_party(leg, before)
    if redirected_by is not None:
        return ChargedLeg(leg.record_id, leg.call_id, redirected_by, Charge.REDIRECTING_PARTY, talk, redirected_by)
    if leg.direction != MO:
        return ChargedLeg(leg.record_id, leg.call_id, None, Charge.INCOMING, talk, own)
    return ChargedLeg(leg.record_id, leg.call_id, own, Charge.ORIGINATOR, talk, own)


def _redirecting_party(leg: Leg, before: list[Leg]) -> str | None:
    """The subscriber who handed this caller on: the callee of the caller's latest earlier leg
    to someone else that had ended when this one was set up (not a parallel ring beside it)."""
    handed_over = [earlier for earlier in before
                   if earlier.calling_number == leg.calling_number
                   and earlier.called_number != leg.called_number
                   and earlier.end_ms <= leg.start_ms + HANDOVER_MS
                   and earlier.start_ms < leg.start_ms]
    if not handed_over:
        return None
    return max(handed_over, key=lambda earlier: earlier.end_ms).called_subscriber_id


def _union_ms(spans: list[tuple[int, int]]) -> int:
    total, covered_to = 0, None
    for start, end in sorted(spans):
        if covered_to is None or start > covered_to:
            total += end - start
            covered_to = end
        elif end > covered_to:
            total += end - covered_to
            covered_to = end
    return total


def _ms(iso: str) -> int:
    return round(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)
