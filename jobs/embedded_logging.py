"""Python logging inside the job's JVM (thread mode), kept to what the JVM's log4j keeps.

PemJA, which embeds the interpreter, sets Python's root logger to DEBUG and hands every record
to the JVM. log4j then drops the DEBUG ones, but only after Python has built and formatted each
and crossed into Java with it: botocore writes several debug lines per request, and in a
profile of the streaming job they were a tenth of its Python time (bench/streaming_capacity.py,
docs/benchmarks.md). Functions that call AWS from Python raise the level in their `open`.
"""

from __future__ import annotations

import logging


def drop_debug_records() -> None:
    """Records below INFO are not built at all (log4j would drop them anyway)."""
    root = logging.getLogger()
    if root.level < logging.INFO:
        root.setLevel(logging.INFO)
