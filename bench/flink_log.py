"""What a benchmark reads from the job's own Flink log (FLINK_LOG_DIR set for the job)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

FLINK_LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})")


def first_split_added(log_dir: Path) -> float | None:
    """When (epoch s) the job's sources got their first split: it reads from then on. None yet."""
    for path in log_dir.glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if "Adding split(s) to reader" in line and (stamp := FLINK_LOG_TIME.match(line)):
                return datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
    return None
