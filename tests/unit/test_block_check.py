"""The PBX's block check (asterisk_adapter/block_check.py) in an AGI conversation played on
text streams, as Asterisk holds it: the environment, then one answer line per command."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from asterisk_adapter.block_check import (
    ALLOWED,
    BLOCKED,
    UNCHECKED,
    AgiSession,
    BlockListCache,
    Verdict,
    handle_call,
)
from asterisk_adapter.cdr import AsteriskConfig
from asterisk_adapter.settings import BlockCheckSettings
from domain.blocklist import Block, BlockList, Kind
from stream_io.block_table import from_item, to_item

NOW_MS = 1_795_000_000_000
SETTINGS = BlockCheckSettings(table="blocks", region="eu-west-1", hangup_cause=21,
                              pbx=AsteriskConfig(country="GB", extension_template="+44207946{}"))
FRAUD = Block(Kind.SUBSCRIBER, "alice", "RUNNING_COST CRITICAL: observed 75.2 ≥ 75", "RUNNING_COST", "a1",
              NOW_MS - 60_000, NOW_MS + 3_600_000, "fraud-job")
WANGIRI = Block(Kind.NUMBER, "+2348031234567", "WANGIRI CRITICAL: observed 20 ≥ 20", "WANGIRI", "a2",
                NOW_MS - 60_000, NOW_MS + 3_600_000, "fraud-job")
EXPIRED = Block(Kind.SUBSCRIBER, "bob", "old", "MANUAL", None, NOW_MS - 7_200_000, NOW_MS - 1_000, "desk")


def agi_call(channel: str, callerid: str, extension: str, accountcode: str = "") -> str:
    return (f"agi_request: block_check\nagi_channel: {channel}\nagi_language: en\nagi_type: PJSIP\n"
            f"agi_callerid: {callerid}\nagi_calleridname: Someone\nagi_context: from-internal\n"
            f"agi_extension: {extension}\nagi_priority: 2\nagi_accountcode: {accountcode}\n\n")


def converse(environment: str, blocks: BlockList | None) -> tuple[Verdict, list[str]]:
    """Asterisk's side: the environment, then `200 result=1` to every command."""
    asterisk = io.StringIO(environment + "200 result=1\n" * 5)
    sent = io.StringIO()
    verdict = handle_call(AgiSession(asterisk, sent), blocks, SETTINGS, NOW_MS)
    return verdict, sent.getvalue().splitlines()


def test_a_blocked_subscriber_is_hung_up_with_the_configured_cause() -> None:
    verdict, commands = converse(agi_call("PJSIP/alice-0000002a", "1001", "00447700900123"),
                                 BlockList([FRAUD, WANGIRI]))
    assert verdict.status == BLOCKED and verdict.block == FRAUD
    assert commands == ['SET VARIABLE BLOCK_STATUS "BLOCKED"',
                        'SET VARIABLE BLOCK_REASON "subscriber:alice blocked by fraud-job: '
                        'RUNNING_COST CRITICAL: observed 75.2 ≥ 75"',
                        "EXEC Hangup 21"]


def test_a_blocked_destination_is_refused_in_whatever_form_it_was_dialled() -> None:
    """A WANGIRI number called back as dialled from the UK (00 234 ...) is the listed +234..."""
    verdict, commands = converse(agi_call("PJSIP/carol-00000031", "1002", "002348031234567"), BlockList([WANGIRI]))
    assert verdict.block == WANGIRI and commands[-1] == "EXEC Hangup 21"
    # The same number calling in through a trunk (no subscriber of ours): refused as a caller.
    verdict, _ = converse(agi_call("PJSIP/trunk-carrier-00000032", "+2348031234567", "1002"), BlockList([WANGIRI]))
    assert verdict.status == BLOCKED


def test_other_and_expired_entries_let_the_call_through() -> None:
    verdict, commands = converse(agi_call("PJSIP/bob-0000002b", "1003", "02079460958"), BlockList([FRAUD, EXPIRED]))
    assert verdict.status == ALLOWED
    assert commands == ['SET VARIABLE BLOCK_STATUS "ALLOWED"', 'SET VARIABLE BLOCK_REASON ""']


def test_the_accountcode_names_the_subscriber_when_set() -> None:
    verdict, _ = converse(agi_call("PJSIP/desk-0000002c", "1004", "1001", accountcode="alice"), BlockList([FRAUD]))
    assert verdict.status == BLOCKED


def test_no_list_at_all_lets_calls_through_unchecked_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="block_check"):
        verdict, commands = converse(agi_call("PJSIP/alice-0000002a", "1001", "1002"), None)
    assert verdict.status == UNCHECKED and commands[0] == 'SET VARIABLE BLOCK_STATUS "UNCHECKED"'
    assert "fail-open" in caplog.text and "EXEC Hangup" not in "\n".join(commands)


def test_a_hangup_during_the_conversation_ends_it_quietly() -> None:
    """Asterisk closes the pipe once the channel is gone: the answers stop, nothing fails."""
    sent = io.StringIO()
    verdict = handle_call(AgiSession(io.StringIO(agi_call("PJSIP/alice-00000040", "1001", "1002")), sent),
                          BlockList([FRAUD]), SETTINGS, NOW_MS)
    assert verdict.status == BLOCKED and sent.getvalue().endswith("EXEC Hangup 21\n")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_reads_again_when_stale_and_keeps_the_last_list_through_an_outage(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    reads: list[int] = []
    outage = {"on": False}

    def fetch() -> list[Block]:
        if outage["on"]:
            raise ConnectionRefusedError("connection refused")
        reads.append(1)
        return [FRAUD]

    clock = Clock()
    cache_file = tmp_path / "blocks.json"
    cache = BlockListCache(fetch, refresh_seconds=5, cache_file=cache_file, clock=clock)
    assert cache.fresh() is not None and len(reads) == 1
    clock.now += 4
    cache.fresh()
    assert len(reads) == 1  # fresh enough: no read
    clock.now += 2
    outage["on"] = True
    with caplog.at_level(logging.WARNING, logger="block_check"):
        blocks = cache.fresh()
    assert blocks is not None and blocks.check("alice", [], NOW_MS) == FRAUD
    assert "checking against the list read 6 s ago (1 blocks)" in caplog.text
    # A per-call program started during the outage finds the list the last one wrote.
    later = BlockListCache(fetch, refresh_seconds=5, cache_file=cache_file, clock=clock)
    assert later.blocks is not None and later.blocks.check("alice", [], NOW_MS) == FRAUD


def test_items_read_back_as_written() -> None:
    """(expires_at is DynamoDB's TTL: whole epoch seconds.)"""
    for block in (FRAUD, WANGIRI, EXPIRED, Block(Kind.NUMBER, "+15551234567", "x", "MANUAL", None, NOW_MS, None, "d")):
        assert from_item(to_item(block)) == block
