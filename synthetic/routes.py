"""How generated calls use the operator's trunks: which carrier a leg to or from outside the
network takes, how the call ended in SIP and ITU-T Q.850 terms, how long it took to ring (PDD),
and what a degraded trunk does to its calls — the route-quality fields of a record
(docs/cdr-record.md: sipData.responseCode, hangupCause, progressTime, trunk).

Each call's draws come from a random.Random of its own (seeded by its call id), so adding these
fields leaves the rest of the traffic — drawn from the spec's generator — byte for byte as it was.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TrunkProfile:
    weight: int  # share of the off-net legs that take it
    pdd_median_s: float  # post-dial delay, lognormal around this
    mos_offset: float  # added to a call's MOS (the carrier's codec path and network)


# A European operator's three carriers: a premium one, a standard one, a cheap one.
TRUNKS = {"carrier-a": TrunkProfile(50, 1.8, 0.2), "carrier-b": TrunkProfile(35, 2.6, 0.0),
          "carrier-c": TrunkProfile(15, 4.0, -0.3)}
PDD_SIGMA = 0.35  # lognormal spread: p95 ≈ 1.8 × the median
INTERNATIONAL_PDD = 1.5  # international legs ring later

# Terminations whose callee's phone rang, so the record carries progressTime.
RANG = {"NORMAL", "NO_ANSWER", "CANCELLED"}
# The final SIP response and Q.850 cause of each termination (unanswered FAILED calls: drawn from
# FAILED_CAUSES). An answered call that FAILED was cut off mid-call: 200, then 41 (temporary failure).
OUTCOMES = {"NORMAL": (200, 16), "BUSY": (486, 17), "NO_ANSWER": (480, 19), "CANCELLED": (487, 16)}
FAILED_CAUSES = {(404, 1): 30, (503, 34): 40, (500, 38): 15, (488, 88): 15}
ANSWERED_THEN_FAILED = (200, 41)
DEGRADED_FAILURE = (503, 34)  # no circuit/channel available: a congested or broken carrier


@dataclass(frozen=True)
class Degradation:
    """A trunk that goes bad for a while: a share of its attempts fail at once (503, cause 34),
    the rest ring `pdd_factor` times later and sound `mos_drop` worse."""

    trunk: str
    start: datetime
    end: datetime
    failure_share: float = 0.5
    pdd_factor: float = 3.0
    mos_drop: float = 1.2

    def applies(self, trunk: str | None, setup: datetime) -> bool:
        return trunk == self.trunk and self.start <= setup < self.end


@dataclass(frozen=True)
class Route:
    """The trunk a leg took, and how much worse than its profile it was (`failed`: the degraded
    trunk refused it)."""

    trunk: str
    pdd_factor: float = 1.0
    mos_drop: float = 0.0
    failed: bool = False


def call_rng(call_id: str, purpose: str) -> random.Random:
    """Draws of one call for one purpose, independent of every other draw."""
    return random.Random(f"{call_id}/{purpose}")


def pick_trunk(rng: random.Random) -> str:
    names = list(TRUNKS)
    return rng.choices(names, weights=[TRUNKS[name].weight for name in names])[0]


def sip_outcome(termination: str, answered: bool, route: Route | None, rng: random.Random) -> tuple[int, int]:
    """(final SIP response code, Q.850 cause) of a leg that ended so."""
    if route is not None and route.failed:
        return DEGRADED_FAILURE
    if termination == "FAILED":
        if answered:
            return ANSWERED_THEN_FAILED
        outcomes = list(FAILED_CAUSES)
        return rng.choices(outcomes, weights=list(FAILED_CAUSES.values()))[0]
    return OUTCOMES[termination]


def pdd_seconds(route: Route | None, international: bool, rng: random.Random) -> float:
    """Post-dial delay: INVITE to the first ringing response."""
    median = (TRUNKS[route.trunk].pdd_median_s if route else 1.5) * (INTERNATIONAL_PDD if international else 1.0)
    return median * math.exp(rng.gauss(0, PDD_SIGMA)) * (route.pdd_factor if route else 1.0)


def mos(base: float, route: Route | None) -> float:
    """A call's MOS on its trunk, within the scale 1..5."""
    if route is None:
        return base
    return round(min(5.0, max(1.0, base + TRUNKS[route.trunk].mos_offset - route.mos_drop)), 2)
