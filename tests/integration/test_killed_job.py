"""The local job's process killed with SIGKILL (no cancel, no clean shutdown) and started again
with `stream --checkpoints DIR --restore latest`, as an operator would: every bill equals the
independent computation and the S3 archive holds every record once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jobs.cdr_pipeline import latest_checkpoint
from jobs.config import load_replay
from local.local_aws import PROJECT_ROOT, LocalAws, Resources
from ops.reconcile import compare, dynamodb_bills, expected_bills
from stream_io.kinesis_writer import put_stream
from synthetic.traffic import TrafficSpec, generate, to_json


def _stream(properties: Path, checkpoints: Path, log: Path, *restore: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "jobs.cdr_pipeline", "stream", "--properties", str(properties),
                             "--checkpoints", str(checkpoints), *restore],
                            cwd=PROJECT_ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def test_a_killed_job_restarted_from_its_last_checkpoint_neither_loses_nor_doubles(tmp_path: Path) -> None:
    lines = [to_json(record) for record in generate(TrafficSpec(seed=16, calls=400, subscribers=50, hours=3))]
    first, second = lines[: len(lines) // 2], lines[len(lines) // 2:]
    with LocalAws.start(Resources(stream="cdr-killed", bucket="cdr-killed-archive")) as aws:
        live = aws.write_properties(tmp_path / "live.json", bounded=False)
        billing = load_replay(live).billing
        bills_table = aws.resources.billing_monthly_table
        checkpoints, log = tmp_path / "checkpoints", tmp_path / "job.log"
        put_stream(first, aws.kinesis, aws.resources.stream_arn)
        job = _stream(live, checkpoints, log)
        try:
            # Billed while it runs (the calls whose legs may still grow wait for event time to pass).
            deadline = time.monotonic() + 180
            while len(dynamodb_bills(aws.dynamodb, bills_table)) < 20:
                assert job.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "nothing billed in 180 s"
                time.sleep(1)
            # The second half starts arriving, then the process dies mid-stream.
            put_stream(second[:100], aws.kinesis, aws.resources.stream_arn)
            time.sleep(12)  # flink-conf checkpoints every 10 s: at least one after the first half
        finally:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait()
        assert latest_checkpoint(checkpoints) is not None
        put_stream(second[100:] + first[:40], aws.kinesis, aws.resources.stream_arn)  # and a producer's retries
        bounded = tmp_path / "bounded.json"
        bounded.write_text(json.dumps(aws.application_properties(bounded=True)))
        restarted = _stream(bounded, checkpoints, log, "--restore", "latest")
        assert restarted.wait(timeout=300) == 0, log.read_text()[-3000:]
        assert compare(expected_bills(lines, billing).bills, dynamodb_bills(aws.dynamodb, bills_table)) == []
        archived = aws.s3_dataset(aws.resources.archive_prefix).to_table(columns=["record_id"])
        ids = archived.column("record_id").to_pylist()
        assert sorted(ids) == sorted({json.loads(line)["recordId"] for line in lines})
