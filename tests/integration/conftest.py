"""Integration fixtures: one generated traffic set per session, local AWS when asked for."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from local.local_aws import LocalAws
from synthetic.bad_records import BAD_RECORDS, BadRecord
from synthetic.traffic import TrafficSpec, generate, to_json
from tests.integration.hour_edge import hour_edge_calls, sent_at

SEED = 20261126


@pytest.fixture(scope="session")
def traffic() -> list[dict[str, Any]]:
    """Generated CDRs: 2,500 calls of 300 subscribers over 6 hours, 2 % sent twice; and calls
    that end in the last quiet period (30 s) of an hour, each put where a PBX would send it."""
    spec = TrafficSpec(seed=SEED, calls=2_500, subscribers=300, hours=6, duplicate_share=0.02,
                       national_format_share=0.05)
    records = list(generate(spec))
    for moment, record in sorted(hour_edge_calls(spec), key=lambda sent: sent[0]):
        at = next((i for i, other in enumerate(records) if sent_at(other) > moment), len(records))
        records.insert(at, record)
    return records


@pytest.fixture(scope="session")
def mixed_lines(traffic: list[dict[str, Any]]) -> list[tuple[str, BadRecord | None]]:
    """The traffic as JSON lines with every catalogued bad record spliced in at a seeded place."""
    lines: list[tuple[str, BadRecord | None]] = [(to_json(record), None) for record in traffic]
    rng = random.Random(SEED)
    for bad in BAD_RECORDS:
        lines.insert(rng.randrange(len(lines) + 1), (bad.raw, bad))
    return lines


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    aws = LocalAws.start()
    try:
        yield aws
    finally:
        aws.stop()
