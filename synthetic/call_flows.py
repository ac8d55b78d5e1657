"""Multi-leg call flows: the legs an Asterisk PBX writes for a forward, a transfer, a ring
group, a three-way call, a conference and a parked call — their parties, order and timing.

Asterisk (12+, "CDR specification") writes a CDR per pair of channels that talked or tried to:
every leg of one call carries the call's linkedid (the uniqueid of its first channel) and a
sequence; a leg's record is written when that leg ends, so a transferred caller's leg arrives
when the call is over. Here a flow is only its shape: parties by role and times relative to the
call's set-up. synthetic/traffic.py gives the roles numbers and writes the records.

Roles: "A" places the call (ours), "X" an outside caller (incoming flows), "B", "C", "D" others
of ours, "E" an outside number, "CONF" the PBX's conference bridge. A leg is on the account of
one of ours: the caller's on an outgoing leg, the callee's on an incoming one; a leg forwarded
or transferred by one of ours is still on the caller's account, and domain/legs.py puts its price
on the redirecting subscriber's bill.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

MO, MT = "MOBILE_ORIGINATED", "MOBILE_TERMINATED"
# Share of all calls per flow: about 5 % of calls have several legs, as on a business PBX.
FLOW_SHARES: dict[str, float] = {
    "forward_no_answer": 0.010, "forward_busy": 0.005, "blind_transfer": 0.010, "attended_transfer": 0.005,
    "parallel_dial": 0.010, "three_way": 0.004, "conference": 0.003, "park": 0.003,
}
OURS = ("A", "B", "C", "D")


@dataclass(frozen=True)
class FlowLeg:
    """One leg of a flow: who, when (seconds after the call's set-up), and how it went."""

    account: str  # the role of ours whose leg it is
    calling: str
    called: str
    direction: str
    start_s: float
    ring_s: float  # set-up to answer (or to giving up)
    talk_s: float  # 0: not answered
    termination: str = "NORMAL"
    call_type: str = "VOICE"

    @property
    def end_s(self) -> float:
        return self.start_s + self.ring_s + self.talk_s


def _talk(rng: random.Random, low: float = 20, high: float = 600) -> float:
    return round(rng.uniform(low, high), 3)


def _handover(rng: random.Random) -> float:
    """A forward or transfer sets up the next leg as the last is released (well within
    domain/legs.HANDOVER_MS)."""
    return round(rng.uniform(0.05, 0.8), 3)


def forward(rng: random.Random, busy: bool) -> list[FlowLeg]:
    """B does not answer (or is busy); B's forward rings an outside number, which answers. Half
    of them come in from outside (X calls B), half from A."""
    ring = round(rng.uniform(0.3, 1.5) if busy else rng.uniform(15, 25), 3)
    termination = "BUSY" if busy else "NO_ANSWER"
    if rng.random() < 0.5:
        first = FlowLeg("B", "X", "B", MT, 0, ring, 0, termination)
        second = FlowLeg("B", "X", "E", MO, ring + _handover(rng), round(rng.uniform(2, 10), 3), _talk(rng))
    else:
        first = FlowLeg("A", "A", "B", MO, 0, ring, 0, termination)
        second = FlowLeg("A", "A", "E", MO, ring + _handover(rng), round(rng.uniform(2, 10), 3), _talk(rng))
    return [first, second]


def blind_transfer(rng: random.Random) -> list[FlowLeg]:
    """A talks to B; B transfers A to C, who answers."""
    first = FlowLeg("A", "A", "B", MO, 0, round(rng.uniform(2, 8), 3), _talk(rng, 10, 120))
    return [first, FlowLeg("A", "A", "C", MO, first.end_s + _handover(rng), round(rng.uniform(2, 8), 3), _talk(rng))]


def attended_transfer(rng: random.Random) -> list[FlowLeg]:
    """A talks to B; B puts A on hold and consults C (B's own leg); B completes the transfer:
    A and C are bridged at once."""
    first = FlowLeg("A", "A", "B", MO, 0, round(rng.uniform(2, 8), 3), _talk(rng, 60, 300))
    consult_start = round(first.end_s - rng.uniform(15, 50), 3)
    ring = round(rng.uniform(2, 6), 3)
    consult = FlowLeg("B", "B", "C", MO, consult_start, ring, round(first.end_s - consult_start - ring, 3))
    return [first, consult, FlowLeg("A", "A", "C", MO, first.end_s + _handover(rng), 0, _talk(rng))]


def parallel_dial(rng: random.Random) -> list[FlowLeg]:
    """A dials a ring group (B, C and D ring at once); one answers, the others stop ringing."""
    answer = round(rng.uniform(3, 15), 3)
    winner = rng.choice(("B", "C", "D"))
    talk = _talk(rng)
    return [FlowLeg("A", "A", role, MO, 0, answer, talk if role == winner else 0,
                    "NORMAL" if role == winner else "NO_ANSWER") for role in ("B", "C", "D")]


def three_way(rng: random.Random) -> list[FlowLeg]:
    """A talks to B, then calls C (A's own second leg) and joins the three."""
    first = FlowLeg("A", "A", "B", MO, 0, round(rng.uniform(2, 8), 3), _talk(rng, 200, 900))
    start = round(first.ring_s + rng.uniform(30, first.talk_s / 2), 3)
    ring = round(rng.uniform(2, 8), 3)
    return [first, FlowLeg("A", "A", "C", MO, start, ring, round(rng.uniform(10, first.end_s - start - ring), 3))]


def conference(rng: random.Random) -> list[FlowLeg]:
    """A opens the conference bridge and has it dial B and C (and D, half the time) in."""
    host = FlowLeg("A", "A", "CONF", MO, 0, 0.5, _talk(rng, 300, 1800), call_type="CONFERENCE")
    legs = [host]
    for role in ("B", "C", "D")[:rng.choice((2, 3))]:
        start = round(rng.uniform(5, 60), 3)
        ring = round(rng.uniform(2, 10), 3)
        talk = round(rng.uniform(30, host.end_s - start - ring), 3)
        legs.append(FlowLeg("A", "A", role, MO, start, ring, talk, call_type="CONFERENCE"))
    return legs


def park(rng: random.Random) -> list[FlowLeg]:
    """A talks to B; B parks A; C picks A up from the parking lot (time parked counts as ringing)."""
    first = FlowLeg("A", "A", "B", MO, 0, round(rng.uniform(2, 8), 3), _talk(rng, 10, 90))
    return [first, FlowLeg("A", "A", "C", MO, first.end_s + _handover(rng), round(rng.uniform(5, 60), 3),
                           _talk(rng))]


FLOWS: dict[str, Callable[[random.Random], list[FlowLeg]]] = {
    "forward_no_answer": lambda rng: forward(rng, busy=False),
    "forward_busy": lambda rng: forward(rng, busy=True),
    "blind_transfer": blind_transfer,
    "attended_transfer": attended_transfer,
    "parallel_dial": parallel_dial,
    "three_way": three_way,
    "conference": conference,
    "park": park,
}


def pick_flow(rng: random.Random, shares: dict[str, float]) -> str | None:
    """A flow drawn by its share, or None: a call of one leg."""
    draw = rng.random()
    for name, share in shares.items():
        if draw < share:
            return name
        draw -= share
    return None
