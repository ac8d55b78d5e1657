"""The job on some of the machine's cores, the benchmark's own work on the others.

On MSF the producer, Kinesis and DynamoDB are not on the job's KPUs. On this machine they are
beside the job, and at the job's capacity a live producer has no CPU left: it cannot put that
much. With `--job-cores`, the job's processes (its Python client, the JVM it starts, and the
JVM's Python) run on those cores only, and this process, the emulators it starts and the
producer on the rest. A benchmark that measures a capacity and then the latency at shares of it
must pin both runs alike.
"""

from __future__ import annotations

import os
from collections.abc import Callable

CORES = frozenset(os.sched_getaffinity(0))  # this process's at its start, before any pinning


def parse_cores(text: str) -> frozenset[int]:
    """'0' or '0,1': cores of this machine, leaving at least one for the rest."""
    try:
        cores = frozenset(int(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"--job-cores: comma-separated core numbers, got {text!r}") from None
    if not cores or not cores < CORES:
        raise ValueError(f"--job-cores {text}: a part of this process's cores {sorted(CORES)}, not all")
    return cores


def pin_the_rest(job_cores: frozenset[int] | None) -> None:
    """This process (and what it starts from now on: the emulators) off the job's cores."""
    if job_cores:
        os.sched_setaffinity(0, CORES - job_cores)


def on_cores(job_cores: frozenset[int] | None) -> Callable[[], None] | None:
    """A `preexec_fn` for the job's process: its children (the JVM, its Python) inherit it."""
    if not job_cores:
        return None
    return lambda: os.sched_setaffinity(0, job_cores)
