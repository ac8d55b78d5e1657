"""A SQL change deployed over a running job: a statement appended after the others keeps every
operator's state (the bills go on from where they were), and `layout --against` says so before
the deploy; a statement inserted before others would shift the operators' numbers, which the
layout reports and Flink refuses, so nothing is restored into the wrong operator.

Both versions run in this one process, one after the other, as in any test here: the plan's
numbering restarts with each job (jobs/state_layout.py), or the second would not restore."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from jobs.cdr_pipeline import latest_checkpoint, stream_layout
from jobs.config import load_replay
from jobs.sql_files import SQL_ROOT
from jobs.state_layout import compare
from local.local_aws import LocalAws, Resources
from ops.reconcile import compare as compare_bills
from ops.reconcile import dynamodb_bills, expected_bills
from stream_io.kinesis_writer import put_stream
from synthetic.traffic import TrafficSpec, generate, to_json
from tests.integration.checkpointed_job import run_checkpointed, stop


def _wait_for(condition, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(1)


def _edited_sql(root: Path, insert_name: str, out: Path) -> Path:
    """A copy of sql/ with one more result table: the record ids the job finalises, as JSON
    files under `out`, from an INSERT file named `insert_name` (its name places it)."""
    shutil.copytree(SQL_ROOT, root)
    (root / "sinks" / "stream" / "finalised_records.sql").write_text(
        "-- finalised_records: record ids, for the upgrade test\n"
        "CREATE TEMPORARY TABLE finalised_records (record_id STRING) WITH (\n"
        f"  'connector' = 'filesystem', 'path' = '{out.as_uri()}', 'format' = 'json')\n", encoding="utf-8")
    (root / "inserts" / insert_name).write_text(
        "-- finalised_records: every final record's id; feeds finalised_records\n"
        "INSERT INTO finalised_records SELECT record_id FROM cdr_final\n", encoding="utf-8")
    return root


def test_an_appended_statement_keeps_the_bills_and_an_inserted_one_is_refused(tmp_path: Path) -> None:
    lines = [to_json(record) for record in generate(TrafficSpec(seed=99, calls=400, subscribers=40, hours=2))]
    first, second = lines[: len(lines) // 2], lines[len(lines) // 2:]
    appended = _edited_sql(tmp_path / "appended", "90_finalised_records.sql", tmp_path / "finalised")
    inserted = _edited_sql(tmp_path / "inserted", "12_finalised_records.sql", tmp_path / "never")
    checkpoints = tmp_path / "checkpoints"
    with LocalAws.start(Resources(stream="cdr-upgrade", bucket="cdr-upgrade-archive")) as aws:
        live = aws.write_properties(tmp_path / "live.json", bounded=False)
        billing = load_replay(live).billing
        put_stream(first, aws.kinesis, aws.resources.stream_arn)
        running = run_checkpointed(live, checkpoints)
        bills = aws.resources.billing_monthly_table
        # Read whole once the bills stand still for 10 s (a multi-leg call still open at the
        # split is not billed yet: its legs wait in state); the next checkpoint holds it all.
        seen = [dynamodb_bills(aws.dynamodb, bills), time.monotonic()]

        def settled() -> bool:
            now = dynamodb_bills(aws.dynamodb, bills)
            if now != seen[0]:
                seen[:] = [now, time.monotonic()]
            return bool(now) and time.monotonic() - seen[1] > 10
        _wait_for(settled)
        before = latest_checkpoint(checkpoints)
        _wait_for(lambda: latest_checkpoint(checkpoints) not in (None, before))
        stop(running)

        # What the deploy check says, from the plans alone.
        deployed = stream_layout(live)
        change = compare(deployed, stream_layout(live, appended))
        assert change.restores and len(change.kept) == len(deployed)
        assert any(uid.endswith("_streaming-writer") for uid in change.added)  # the new file sink's
        refused = compare(deployed, stream_layout(live, inserted))
        assert not refused.restores
        assert any(operator == "billing_monthly: Writer" for operator in refused.dropped.values())

        # The rest, and a producer's retry of 50 records the running version counted already.
        put_stream(second + first[:50], aws.kinesis, aws.resources.stream_arn)
        bounded = tmp_path / "bounded.json"  # LATEST: only a restored job knows where it stopped
        bounded.write_text(aws.write_properties(bounded, bounded=True).read_text()
                           .replace('"TRIM_HORIZON"', '"LATEST"'))
        # Flink agrees with the layout: the inserted statement's job does not start from the snapshot.
        with pytest.raises(Exception, match="Cannot map checkpoint/savepoint state"):
            run_checkpointed(bounded, checkpoints, "latest", sql_root=inserted).wait()
        run_checkpointed(bounded, checkpoints, "latest", sql_root=appended).wait()

        # The bills went on from the restored totals: every leg of both halves, once (the
        # deduplication's state came along too: the retries are not billed again).
        assert compare_bills(expected_bills(lines, billing).bills, dynamodb_bills(aws.dynamodb, bills)) == []
        # The new table started empty with the upgrade: the final records (STOPs) first read
        # after it, each once (the second half repeats a few itself), none of the retried ones.
        finalised = ds.dataset(tmp_path / "finalised", format="json").to_table().column("record_id").to_pylist()
        stops = {record["recordId"] for record in map(json.loads, second) if record["recordType"] == "STOP"}
        assert sorted(finalised) == sorted(stops) and len(stops) > 200
