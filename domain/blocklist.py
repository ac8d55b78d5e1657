"""The block list: who the PBX refuses to connect, why, and until when.

Plain Python, no I/O, and nothing beyond the standard library: the PBX host runs the check
without the job's packages. The fraud job adds a block when a rule whose action is `block`
reaches CRITICAL (domain/fraud_actions.py); an operator adds and lifts blocks by hand (ops/blocks.py); the
PBX asks before each call (asterisk_adapter/block_check.py, through `BlockList.check`). A block
names a subscriber (the account that pays for the calls) or a number (WANGIRI: the foreign
number a spray came from, refused as a destination and as a caller). The job never lifts a
block: it expires (DynamoDB's TTL removes the item; the check ignores it from that moment), or
an operator lifts it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

FRAUD_JOB = "fraud-job"


class Kind(enum.StrEnum):
    SUBSCRIBER = "subscriber"
    NUMBER = "number"


@dataclass(frozen=True)
class Block:
    kind: Kind
    value: str  # a subscriber id, or a number in E.164
    reason: str
    rule: str  # the rule that raised it, or MANUAL
    alert_id: str | None
    blocked_at_ms: int
    expires_at_ms: int | None  # None: until lifted
    blocked_by: str  # FRAUD_JOB, or the operator who added it

    @property
    def target(self) -> str:
        """The block list's key: kind and value, so a subscriber id never meets a number."""
        return target_of(self.kind, self.value)

    def in_force(self, now_ms: int) -> bool:
        return self.expires_at_ms is None or now_ms < self.expires_at_ms


def target_of(kind: Kind, value: str) -> str:
    return f"{kind.value}:{value}"


class BlockList:
    """The blocks in force, as the PBX asks: is this caller, or this destination, refused?"""

    def __init__(self, blocks: Iterable[Block] = ()):
        self._by_target = {block.target: block for block in blocks}

    def __len__(self) -> int:
        return len(self._by_target)

    def check(self, subscriber_id: str | None, numbers: Iterable[str | None], now_ms: int) -> Block | None:
        """The block that refuses this call: on the calling subscriber, or on any of its numbers
        (the caller's or the destination's); None when the call may go ahead."""
        wanted = [target_of(Kind.SUBSCRIBER, subscriber_id)] if subscriber_id else []
        wanted += [target_of(Kind.NUMBER, number) for number in numbers if number]
        for target in wanted:
            block = self._by_target.get(target)
            if block is not None and block.in_force(now_ms):
                return block
        return None
