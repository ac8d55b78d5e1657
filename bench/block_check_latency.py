"""What the PBX's block check adds to a call: the time from the dialplan's AGI() to the answer
of its last command, for the FastAGI server and for the per-call AGI program.

    python -m bench.block_check_latency [--blocks 10000] [--calls 2000] [--process-calls 40]

A block list of --blocks entries is written to DynamoDB (dynalite); the FastAGI server reads it,
then --calls calls (a third of them blocked) are played against it over TCP as Asterisk plays
them (environment, `200 result=1` to each command); --process-calls more start the per-call
program (`python -m asterisk_adapter.block_check`) with a fresh cached list, as Asterisk's
AGI() would. Prints p50/p99/max per mode.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from asterisk_adapter.block_check import BlockListCache, dynamodb_fetch, serve
from asterisk_adapter.settings import load_block_check
from domain.blocklist import Block, Kind
from local.local_aws import REGION, LocalAws, free_port
from stream_io.block_table import to_item

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _environment(subscriber: str) -> str:
    return (f"agi_request: block_check\nagi_channel: PJSIP/{subscriber}-0000001a\nagi_callerid: 1001\n"
            f"agi_extension: 00447700900123\nagi_accountcode: \n\n")


def _fastagi(port: int, environment: str) -> float:
    began = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as connection, \
            connection.makefile("rw", encoding="utf-8", newline="\n") as stream:
        stream.write(environment)
        stream.flush()
        for _ in iter(stream.readline, ""):
            stream.write("200 result=1\n")
            stream.flush()
    return (time.perf_counter() - began) * 1000


def _process(config: Path, environment: str) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "asterisk_adapter.block_check", "--config", str(config)],
                   input=environment + "200 result=1\n" * 3, capture_output=True, text=True, cwd=PROJECT_ROOT,
                   check=True)
    return (time.perf_counter() - began) * 1000


def _report(mode: str, millis: list[float]) -> None:
    q = statistics.quantiles(millis, n=100, method="inclusive")
    print(f"{mode:<28} calls {len(millis):>5}   p50 {q[49]:7.2f} ms   p99 {q[98]:7.2f} ms   max {max(millis):7.2f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.block_check_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blocks", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=2_000)
    parser.add_argument("--process-calls", type=int, default=40)
    args = parser.parse_args(argv)
    with LocalAws.start() as aws, tempfile.TemporaryDirectory() as tmp:
        table = aws.resources.fraud_blocks_table
        now_ms = int(time.time() * 1000)
        for start in range(0, args.blocks, 25):
            aws.dynamodb.batch_write_item(RequestItems={table: [
                {"PutRequest": {"Item": to_item(Block(Kind.SUBSCRIBER, f"sub-{n:06d}", "bench", "MANUAL", None,
                                                      now_ms, now_ms + 3_600_000, "bench"))}}
                for n in range(start, min(start + 25, args.blocks))]})
        config = Path(tmp) / "block_check.json"
        config.write_text(json.dumps({"table": table, "region": REGION, "dynamodb_endpoint": aws.dynamodb_endpoint,
                                      "refresh_seconds": 60, "cache_file": str(Path(tmp) / "blocks.json")}))
        settings = load_block_check(config)
        cache = BlockListCache(dynamodb_fetch(settings), settings.refresh_seconds, Path(settings.cache_file))
        began = time.perf_counter()
        cache.refresh()  # also writes the per-call program's cache file
        print(f"block list of {args.blocks:,} read in {(time.perf_counter() - began) * 1000:,.0f} ms")
        port, ready, stop = free_port(), threading.Event(), threading.Event()
        threading.Thread(target=serve, args=(("127.0.0.1", port), cache, settings, ready, stop), daemon=True).start()
        ready.wait(30)
        subscribers = [f"sub-{n * 3 % (3 * args.blocks):06d}" for n in range(args.calls)]
        _report("FastAGI server", [_fastagi(port, _environment(s)) for s in subscribers])
        stop.set()
        _report("per-call AGI program", [_process(config, _environment(s)) for s in subscribers[:args.process_calls]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
