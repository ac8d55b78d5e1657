"""Refuses, before Dial, the calls the fraud block list names: an Asterisk AGI program.

    python -m asterisk_adapter.block_check --config block_check.json
        AGI: one call on stdin/stdout (Asterisk starts it per call)
    python -m asterisk_adapter.block_check --config block_check.json --serve 127.0.0.1:4573
        FastAGI: a server the dialplan reaches as agi://127.0.0.1:4573 (one process for all calls)

Per call it reads the AGI environment, takes the calling subscriber as the forwarder does
(accountcode, else the endpoint's name in agi_channel) and the caller's and the destination's
numbers in E.164 (agi_callerid; agi_arg_1 if the dialplan passes ${EXTEN}, else
agi_extension), and looks them up in the block list (domain/blocklist.py). It sets two
channel variables, BLOCK_STATUS (ALLOWED, BLOCKED, or UNCHECKED when no list could be read)
and BLOCK_REASON, and hangs a blocked call up with the configured Q.850 cause
(`EXEC Hangup 21`: call rejected).

The list is read from DynamoDB (settings: asterisk_adapter/settings.py) at most every
`refresh_seconds`, each read given `timeout_seconds`: the FastAGI server reads it in the
background, so a call only looks it up in memory; the per-call program keeps the last list
read in `cache_file` and reads DynamoDB again only when that is older than `refresh_seconds`.
**Fail-open**: when DynamoDB cannot be read, calls are checked against the last list read
(blocks added since are not enforced until it can be read again), and with no list at all
calls go ahead unchecked. Each case is logged (stderr, which Asterisk logs): a fraud check
must never take the PBX down with it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socketserver
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from asterisk_adapter.cdr import AsteriskConfig, AsteriskLineError, account_of, number_of
from asterisk_adapter.settings import BlockCheckSettings, load_block_check
from domain.blocklist import Block, BlockList, Kind

LOG = logging.getLogger("block_check")
ALLOWED, BLOCKED, UNCHECKED = "ALLOWED", "BLOCKED", "UNCHECKED"


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str
    block: Block | None = None


def decide(environment: dict[str, str], blocks: BlockList | None, pbx: AsteriskConfig, now_ms: int) -> Verdict:
    """The call's verdict from its AGI environment and the block list (None: none read yet)."""
    channel = environment.get("agi_channel", "")
    subscriber = account_of(environment.get("agi_accountcode") or None, channel, pbx)
    numbers = [_e164(environment.get("agi_callerid", ""), pbx),
               _e164(environment.get("agi_arg_1") or environment.get("agi_extension", ""), pbx)]
    if blocks is None:
        return Verdict(UNCHECKED, "no block list could be read: call allowed unchecked (fail-open)")
    block = blocks.check(subscriber, numbers, now_ms)
    if block is None:
        return Verdict(ALLOWED, "")
    return Verdict(BLOCKED, f"{block.target} blocked by {block.blocked_by}: {block.reason}", block)


def _e164(raw: str, pbx: AsteriskConfig) -> str | None:
    """A number as the block list keeps it; as given when it cannot be read as one."""
    raw = raw.strip()
    if not raw or raw.lower() == "unknown":
        return None
    try:
        return number_of(raw, pbx, "number")
    except AsteriskLineError:
        return raw


class AgiSession:
    """The AGI conversation on a pair of text streams: the environment, then commands each
    answered by one line (`200 result=...`)."""

    def __init__(self, reader: TextIO, writer: TextIO):
        self._reader = reader
        self._writer = writer

    def environment(self) -> dict[str, str]:
        values = {}
        for line in iter(self._reader.readline, ""):
            line = line.rstrip("\r\n")
            if not line:
                break
            name, _, value = line.partition(":")
            values[name.strip()] = value.strip()
        return values

    def command(self, text: str) -> str:
        """Sends a command; Asterisk's answer ('' once the channel or the connection is gone)."""
        self._writer.write(text + "\n")
        self._writer.flush()
        return self._reader.readline().rstrip("\r\n")


def handle_call(session: AgiSession, blocks: BlockList | None, settings: BlockCheckSettings,
                now_ms: int | None = None) -> Verdict:
    environment = session.environment()
    verdict = decide(environment, blocks, settings.pbx, int(time.time() * 1000) if now_ms is None else now_ms)
    session.command(f"SET VARIABLE BLOCK_STATUS {_quoted(verdict.status)}")
    session.command(f"SET VARIABLE BLOCK_REASON {_quoted(verdict.reason)}")
    if verdict.status == BLOCKED:
        LOG.info("refused %s on %s: %s", environment.get("agi_callerid", "?"), environment.get("agi_channel", "?"),
                 verdict.reason)
        session.command(f"EXEC Hangup {settings.hangup_cause}")
    elif verdict.status == UNCHECKED:
        LOG.warning("%s on %s: %s", environment.get("agi_callerid", "?"), environment.get("agi_channel", "?"),
                    verdict.reason)
    return verdict


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class BlockListCache:
    """The last block list read, read again when older than `refresh_seconds`; what a read that
    fails leaves is the list before it (fail-open, logged)."""

    def __init__(self, fetch: Callable[[], Iterable[Block]], refresh_seconds: float, cache_file: Path | None = None,
                 clock: Callable[[], float] = time.time):
        self._fetch = fetch
        self._refresh_seconds = refresh_seconds
        self._cache_file = cache_file
        self._clock = clock
        self._blocks: BlockList | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()
        if cache_file is not None and cache_file.exists():
            self._load(cache_file)

    @property
    def blocks(self) -> BlockList | None:
        return self._blocks

    def fresh(self) -> BlockList | None:
        """The list, read again first if it is older than refresh_seconds."""
        if self._clock() - self._read_at >= self._refresh_seconds:
            self.refresh()
        return self._blocks

    def refresh(self) -> bool:
        try:
            blocks = list(self._fetch())
        except Exception as error:  # any failure to read: the PBX keeps connecting calls
            with self._lock:
                if self._blocks is None:
                    LOG.warning("block list not read (%s): calls go ahead unchecked (fail-open)", _brief(error))
                else:
                    LOG.warning("block list not read (%s): checking against the list read %.0f s ago (%d blocks); "
                                "blocks added since are not enforced (fail-open)", _brief(error),
                                self._clock() - self._read_at, len(self._blocks))
            return False
        with self._lock:
            self._blocks, self._read_at = BlockList(blocks), self._clock()
            if self._cache_file is not None:
                _write_atomically(self._cache_file, {"read_at": self._read_at,
                                                     "blocks": [asdict(block) for block in blocks]})
        return True

    def _load(self, path: Path) -> None:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            blocks = [Block(**{**item, "kind": Kind(item["kind"])}) for item in document["blocks"]]
        except (OSError, ValueError, KeyError, TypeError) as error:
            LOG.warning("cache file %s not read (%s): reading the list from DynamoDB", path, _brief(error))
            return
        self._blocks, self._read_at = BlockList(blocks), float(document["read_at"])

    def keep_refreshing(self, stop: threading.Event) -> None:
        """Reads the list every refresh_seconds until `stop` (the FastAGI server's thread)."""
        while not stop.wait(self._refresh_seconds):
            self.refresh()


def _brief(error: Exception) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"


def _write_atomically(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".blocks-", delete=False, encoding="utf-8") as out:
        json.dump(document, out)
    os.replace(out.name, path)


def dynamodb_fetch(settings: BlockCheckSettings) -> Callable[[], list[Block]]:
    """Reads the whole table; boto3 is imported on the first read only (a per-call program
    whose cached list is fresh never pays for it)."""
    client: list[Any] = []

    def fetch() -> list[Block]:
        if not client:
            import boto3
            from botocore.config import Config

            timeout = settings.timeout_seconds
            client.append(boto3.client(
                "dynamodb", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint or None,
                config=Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 1})))
        from stream_io.block_table import scan_blocks

        return list(scan_blocks(client[0], settings.table))
    return fetch


def serve(address: tuple[str, int], cache: BlockListCache, settings: BlockCheckSettings,
          ready: threading.Event | None = None, stop: threading.Event | None = None) -> None:
    """The FastAGI server: each connection is one call, looked up in memory."""

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            with (self.request.makefile("r", encoding="utf-8", newline="\n") as reader,
                  self.request.makefile("w", encoding="utf-8", newline="\n") as writer):
                try:
                    handle_call(AgiSession(reader, writer), cache.blocks, settings)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the caller hung up meanwhile

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    stop = stop or threading.Event()
    cache.refresh()
    threading.Thread(target=cache.keep_refreshing, args=(stop,), daemon=True, name="block-list").start()
    with Server(address, Handler) as server:
        LOG.info("FastAGI block check on %s:%d", *server.server_address)
        def shut_down_when_asked() -> None:
            stop.wait()
            server.shutdown()

        threading.Thread(target=shut_down_when_asked, daemon=True).start()
        if ready is not None:
            ready.set()
        server.serve_forever(poll_interval=0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asterisk_adapter.block_check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--serve", metavar="HOST:PORT", help="run as a FastAGI server")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s block_check %(message)s")
    settings = load_block_check(args.config)
    cache = BlockListCache(dynamodb_fetch(settings), settings.refresh_seconds,
                           Path(settings.cache_file) if settings.cache_file else None)
    if args.serve:
        host, _, port = args.serve.rpartition(":")
        serve((host or "127.0.0.1", int(port)), cache, settings)
        return 0
    handle_call(AgiSession(sys.stdin, sys.stdout), cache.fresh(), settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
