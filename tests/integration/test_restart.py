"""Bills and the archive survive a restart: the job is stopped mid-stream and restored from
its checkpoint, more records and producer retries arrive (as KPL aggregates), and every bill
still equals the independent re-rating and the S3 archive holds every record exactly once:
nothing lost, nothing added twice. The first, unbounded run (parallelism 2, as deployed) also
shows fraud alerts delivered while it runs, for floods whose legs arrive latest first; and a transferred
call whose second leg comes only after the restart is summarised again, whole, from the
restored state, and counted once in usage."""

from __future__ import annotations

import copy
import hashlib
import json
import time
from datetime import datetime, timedelta
from pathlib import Path

from jobs.cdr_pipeline import latest_checkpoint
from jobs.config import load_replay
from local.local_aws import LocalAws, Resources
from ops.reconcile import compare, dynamodb_bills, expected_bills
from stream_io.kinesis_writer import put_stream
from synthetic.bad_records import GOOD
from synthetic.fraud_scenarios import velocity_flood
from synthetic.traffic import TrafficSpec, generate, subscriber_base, to_json
from tests.integration.checkpointed_job import run_checkpointed, stop


def _wait_for(condition, what: str, timeout_s: float = 240.0) -> None:
    """Waits for the running job. The limit is generous: the first half's multi-leg calls wait
    for a caught-up shard's idle timeout, and with two CPU-bound processes beside the test that
    took over 90 s (1 run in 6 timed out at 90 s)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(1)


def _bill_differences(expected: dict, actual: dict) -> str:
    """Every difference, one per line: a failure says which bills and figures, not just the first."""
    return "\n".join(str(difference) for difference in compare(expected, actual))


def _floods(spec: TrafficSpec) -> tuple[list[str], set[str]]:
    """Six VELOCITY floods, each subscriber's legs put latest first; the alert ids expected:
    sha256("subscriber|VELOCITY|first set-up in epoch ms"), 32 hex digits."""
    lines, ids = [], set()
    for index in range(6):
        at = spec.start + timedelta(hours=1, minutes=10 * index)
        subscriber = f"flood-{index}"
        lines += [to_json(r) for r in reversed(velocity_flood(subscriber_base(spec)[0], subscriber, at))]
        ids.add(hashlib.sha256(f"{subscriber}|VELOCITY|{int(at.timestamp() * 1000)}".encode()).hexdigest()[:32])
    return lines, ids


def _transfer(handover: datetime) -> list[str]:
    """Alice calls Bob (answered, 10 minutes before `handover`), Bob transfers her to Charlie at
    `handover`, who talks for 90 minutes."""
    legs = []
    for sequence, (callee, number, setup, answer, end) in enumerate(
            [("xfer-bob", "+442079460002", -10, -9, 0), ("xfer-charlie", "+442079460003", 0, 0.1, 90)], 1):
        leg = copy.deepcopy(GOOD)
        at = [handover + timedelta(minutes=m) for m in (setup, answer, end)]
        leg.update(callId=f"xfer-{sequence}", recordId=f"xfer-{sequence}:STOP", linkedId="xfer",
                   legSequence=sequence, startTime=at[0].isoformat(), answerTime=at[1].isoformat(),
                   endTime=at[2].isoformat(), duration=(at[2] - at[0]).total_seconds())
        leg["callingParty"].update(number="+442079460001", subscriberId="xfer-alice")
        leg["calledParty"] = {"number": number, "subscriberId": callee, "destination": "GB"}
        legs.append(to_json(leg))
    return legs


def _quiet_split(lines: list[str]) -> int:
    """The index nearest the middle at which no leg of a multi-leg call is open (its START
    before, its STOP after): leg attribution bills such a call's legs only once it is
    complete, so the bills of a first part are well defined only at such a point."""
    open_legs: set[str] = set()
    quiet = []
    for index, line in enumerate(lines):
        if not open_legs:
            quiet.append(index)
        record = json.loads(line)
        if record.get("linkedId") and record["recordType"] == "START":
            open_legs.add(record["callId"])
        elif record["recordType"] == "STOP":
            open_legs.discard(record["callId"])
    return min(quiet, key=lambda index: abs(index - len(lines) // 2))


def _sent(line: str) -> datetime:
    record = json.loads(line)
    return datetime.fromisoformat((record.get("endTime") or record["startTime"]).replace("Z", "+00:00"))


def _tick(lines: list[str]) -> str:
    """A one-leg call ending a minute (the watermark's lateness) after everything in `lines`:
    the watermark passes all their ends, so every multi-leg call among them is complete."""
    end = max(_sent(line) for line in lines) + timedelta(seconds=61)
    tick = copy.deepcopy(GOOD)
    tick.update(recordId="tick:STOP", callId="tick", callDirection="MOBILE_TERMINATED", duration=30,
                startTime=(end - timedelta(seconds=30)).isoformat(),
                answerTime=(end - timedelta(seconds=25)).isoformat(), endTime=end.isoformat())
    tick["callingParty"]["subscriberId"] = "tick"
    return to_json(tick)


def test_restart_from_checkpoint_neither_loses_nor_doubles(tmp_path: Path) -> None:
    spec = TrafficSpec(seed=99, calls=800, subscribers=60, hours=4)
    lines = [to_json(r) for r in generate(spec)]
    generated = len(lines)
    floods, flood_alerts = _floods(spec)
    unrated = copy.deepcopy(GOOD)  # an outgoing leg to a number no tariff prefix matches
    unrated.update(recordId="unrated:STOP", callId="unrated", callDirection="MOBILE_ORIGINATED")
    unrated["calledParty"]["number"] = "+6561234567"
    lines.append(to_json(unrated))
    # The first leg ends where the stream is split, so it is on time for its hour's window (a
    # leg an hour behind the stream would be late there, or not, by how the shards are read);
    # the second comes after the restart, ahead of everything.
    split = _quiet_split(lines)
    transfer = _transfer(max(_sent(line) for line in lines[:split]))
    first = lines[:split] + floods + transfer[:1]
    first.append(_tick(first))
    second = transfer[1:] + lines[split:]
    lines += floods + transfer + first[-1:]
    with LocalAws.start(Resources(stream="cdr-restart", bucket="cdr-restart-archive")) as aws:
        bills_table = aws.resources.billing_monthly_table
        live = aws.write_properties(tmp_path / "live.json", bounded=False)
        billing = load_replay(live).billing
        put_stream(first, aws.kinesis, aws.resources.stream_arn)
        result = run_checkpointed(live, tmp_path / "checkpoints")
        half = expected_bills(first, billing).bills
        _wait_for(lambda: not compare(half, dynamodb_bills(aws.dynamodb, bills_table)), "the first half's bills")
        # Alerted while the job runs (unbounded: nothing is flushed by an end of input).
        _wait_for(lambda: {item["alert_id"] for item in aws.scan(aws.resources.fraud_alerts_table)
                           if item["rule"] == "VELOCITY"} == flood_alerts, "the flood alerts")
        # The transfer's first leg, quiet for 30 s of event time: summarised alone (revision 0).
        _wait_for(lambda: [(int(c["leg_count"]), int(c["revision"])) for c in aws.scan(
            aws.resources.logical_calls_table) if c["linked_id"] == "xfer"] == [(1, 0)], "the transfer's first leg")
        # A checkpoint that holds every first-half record: one completed after all of the above
        # (a restore from an earlier one would read part of the first half again).
        before = latest_checkpoint(tmp_path / "checkpoints")
        _wait_for(lambda: latest_checkpoint(tmp_path / "checkpoints") not in (None, before), "a checkpoint")
        stop(result)
        # After the restart: the rest, plus a producer's retry of 50 records already counted,
        # now as KPL aggregates (the restored reader unpacks them after its checkpointed place).
        put_stream(second + first[:50], aws.kinesis, aws.resources.stream_arn, aggregate=True)
        # LATEST: only a restored job knows where it stopped; a fresh one would skip all of it.
        bounded = tmp_path / "bounded.json"
        bounded.write_text(aws.write_properties(bounded, bounded=True).read_text()
                           .replace('"TRIM_HORIZON"', '"LATEST"'))
        run_checkpointed(bounded, tmp_path / "checkpoints", "latest").wait()
        expected = expected_bills(lines, billing).bills
        billed = dynamodb_bills(aws.dynamodb, bills_table)
        assert compare(expected, billed) == [], _bill_differences(expected, billed)
        # Billing per charged leg: Alice's leg after the transfer is on Bob's bill, not hers.
        assert [(key[0], bill["calls"]) for key, bill in expected.items() if "xfer" in key[0]] == [
            ("xfer-alice", 1), ("xfer-bob", 1)]
        legs = {json.loads(line)["recordId"] for line in lines[:generated] if '"recordType":"STOP"' in line}
        assert sum(bill["calls"] for key, bill in expected.items() if "flood" not in str(key)
                   and "xfer" not in str(key) and "tick" not in str(key)) == len(legs) > 800  # 800 calls
        [call] = [c for c in aws.scan(aws.resources.logical_calls_table) if c["linked_id"] == "xfer"]
        assert (int(call["leg_count"]), int(call["revision"]), call["answered"]) == (2, 1, True)
        assert [(leg["charged_to"], leg["charge"]) for leg in json.loads(call["legs"])] == [
            ("xfer-alice", "ORIGINATOR"), ("xfer-bob", "REDIRECTING_PARTY")]
        alice = [item for item in aws.scan(aws.resources.usage_hourly_table) if item["subscriber_id"] == "xfer-alice"]
        assert (sum(int(item["calls"]) for item in alice), sum(int(item["logical_calls"]) for item in alice),
                sum(int(item["answered_logical_calls"]) for item in alice)) == (2, 1, 1), alice
        archived = aws.s3_dataset(aws.resources.archive_prefix).to_table(columns=["record_id"])
        ids = archived.column("record_id").to_pylist()
        assert sorted(ids) == sorted({json.loads(line)["recordId"] for line in lines})
        # The leg no tariff prices is in the S3 dead-letter store, whole, with its record id.
        store = aws.s3_dataset(aws.resources.dead_letter_prefix).to_table().to_pylist()
        assert [(row["record_id"], row["reason"], json.loads(row["raw_record"])) for row in store] == \
            [("unrated:STOP", "UNRATED_DESTINATION", unrated)]
