"""Fraud that is stopped, end to end: a call to a satellite range, while it runs (only its START
and INTERIMs on Kinesis), is alerted in DynamoDB, its subscriber put on the block list and the
fraud desk notified through SNS — before its STOP exists; then the PBX's block check refuses
the subscriber's next call through the AGI protocol, also while DynamoDB is unreachable (the
fault proxy), and lets calls through, unchecked, when it never read a list (fail-open)."""

from __future__ import annotations

import dataclasses
import json
import math
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from asterisk_adapter.block_check import BlockListCache, dynamodb_fetch, serve
from asterisk_adapter.settings import load_block_check
from domain.fraud_rules import DEFAULT_RULES
from local.fault_proxy import FaultProxies
from local.local_aws import REGION, LocalAws, Resources, free_port
from stream_io.kinesis_writer import put_stream
from synthetic.traffic import CallPlan, TrafficSpec, build_call, subscriber_base, to_json
from tests.integration.checkpointed_job import run_checkpointed

ROOT = Path(__file__).resolve().parents[2]
SATELLITE = "+881631234567"
# The deck's satellite range (tariffs/decks/default/1970-01-01.csv, prefix 881): 6.50 a minute
# in 60-second steps and a 1.00 connect fee, so an hour costs 60 × 6.50 + 1.00.
HOURLY = Decimal("6.50") * 60 + Decimal("1.00")
WARNING, CRITICAL = Decimal(25), Decimal(75)  # rules/fraud.yaml RUNNING_COST


def _wait_for(condition, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _crossing(since: datetime, level: Decimal) -> int:
    """The first millisecond the cost (HOURLY × time since `since`) reaches `level`."""
    return _ms(since) + math.ceil(level * 3_600_000 / HOURLY)


def _observed(since: datetime, at_ms: int) -> Decimal:
    return (HOURLY * (at_ms - _ms(since)) / 3_600_000).quantize(Decimal("0.000001"))


def _records(T: datetime) -> tuple[list[str], str]:  # noqa: N803
    """The satellite call's START and its INTERIMs of the first 10 minutes (every 300 s), its
    STOP apart; short calls of six other subscribers 15-20 minutes later, which move event time
    past the call's crossings."""
    base = subscriber_base(TrafficSpec(seed=4, subscribers=8))
    fraudster = dataclasses.replace(base[0], subscriber_id="sat-1")
    plan = CallPlan(fraudster, "MOBILE_ORIGINATED", SATELLITE, "INTERNATIONAL", T, 3, 2_400, "NORMAL",
                    call_id="sat-call", with_start=True)
    records = build_call(plan, random.Random(1))
    running = [to_json(record) for sent, record in records[:-1] if sent <= T + timedelta(minutes=10)]
    stop = to_json(records[-1][1])
    fillers = []
    for index, other in enumerate(base[1:7]):
        filler = CallPlan(other, "MOBILE_ORIGINATED", "+442079460958", "LANDLINE",
                          T + timedelta(minutes=15 + index), 2, 30, "NORMAL", call_id=f"filler-{index}")
        fillers += [to_json(record) for _, record in build_call(filler, random.Random(index))]
    return running + fillers, stop


def _agi_environment(channel: str, callerid: str, extension: str) -> str:
    return (f"agi_request: block_check\nagi_channel: {channel}\nagi_callerid: {callerid}\n"
            f"agi_context: from-internal\nagi_extension: {extension}\nagi_accountcode: \n\n")


def _fastagi_call(port: int, environment: str) -> list[str]:
    """Asterisk's side of a FastAGI call: the environment, `200 result=1` to each command."""
    commands = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection, \
            connection.makefile("rw", encoding="utf-8", newline="\n") as stream:
        stream.write(environment)
        stream.flush()
        for line in iter(stream.readline, ""):
            commands.append(line.rstrip("\n"))
            stream.write("200 result=1\n")
            stream.flush()
    return commands


def _agi_process(config: Path, environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "asterisk_adapter.block_check", "--config", str(config)],
                          input=environment + "200 result=1\n" * 3, capture_output=True, text=True, cwd=ROOT,
                          timeout=60)


def test_a_running_call_is_alerted_blocked_and_refused_before_its_stop(tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    # Half an hour ago: the block the job writes (for 24 h from the alert) is in force now.
    T = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)  # noqa: N806
    first_part, stop = _records(T)
    answer = T + timedelta(seconds=3)
    warning_at = _crossing(T, WARNING)  # the START does not say when it was answered: from set-up
    critical_at = _crossing(answer, CRITICAL)  # the first INTERIM does (answerTime)
    with LocalAws.start(Resources(stream="cdr-fraud-response", bucket="cdr-fraud-response")) as aws, \
            FaultProxies.start({"dynamodb": aws.dynamodb_endpoint}) as faults:
        live = aws.write_properties(tmp_path / "live.json", bounded=False)
        put_stream(first_part, aws.kinesis, aws.resources.stream_arn)
        result = run_checkpointed(live, tmp_path / "checkpoints")
        try:
            alerts_table, blocks_table = aws.resources.fraud_alerts_table, aws.resources.fraud_blocks_table

            def running_cost() -> list[dict]:
                return [item for item in aws.scan(alerts_table)
                        if (item["rule"], item["subscriber_id"]) == ("RUNNING_COST", "sat-1")]

            _wait_for(lambda: [item["severity"] for item in running_cost()] == ["CRITICAL"]
                      and aws.scan(blocks_table))
            # Raised while the call ran: the STOP has not even been put.
            alert, = running_cost()
            assert Decimal(str(alert["observed"])) == _observed(answer, critical_at)
            assert alert["detected_at"] == _iso(critical_at) and alert["window_start"] == _iso(_ms(T))
            assert alert["evidence_call_ids"] == ["sat-call"]
            block, = aws.scan(blocks_table)
            assert (block["target"], block["rule"], block["alert_id"], block["blocked_by"]) == \
                ("subscriber:sat-1", "RUNNING_COST", alert["alert_id"], "fraud-job")
            assert int(block["expires_at"]) == (critical_at + 86_400_000) // 1000
            _wait_for(lambda: len(_notices(aws, alert["alert_id"])) == 2, 30)
            warned, escalated = _notices(aws, alert["alert_id"])
            assert warned["attributes"]["severity"] == "WARNING" and warned["attributes"]["blocked"] == "false"
            assert f"Observed: {_observed(T, warning_at)} (threshold 25)" in warned["message"]
            assert escalated["subject"] == "[CRITICAL] RUNNING_COST subscriber sat-1 BLOCKED"
            assert "Action: subscriber:sat-1 blocked until" in escalated["message"]

            # The STOP then comes: the call's own price is past the critical level too, but the
            # alert raised while it ran stays the one alert (same id, not raised again).
            put_stream([stop], aws.kinesis, aws.resources.stream_arn)
            _wait_for(lambda: any(item["subscriber_id"] == "sat-1"
                                  for item in aws.scan(aws.resources.billing_monthly_table)))
            assert running_cost() == [alert]
            _check_the_pbx_refuses(aws, faults, tmp_path, caplog)
        finally:
            result.get_job_client().cancel().result()


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _notices(aws: LocalAws, alert_id: str) -> list[dict]:
    return [m for m in aws.sns_messages() if m["attributes"].get("alert_id") == alert_id]


def _check_the_pbx_refuses(aws: LocalAws, faults: FaultProxies, tmp_path: Path,
                           caplog: pytest.LogCaptureFixture) -> None:
    config = tmp_path / "block_check.json"
    config.write_text(json.dumps({"table": aws.resources.fraud_blocks_table, "region": REGION,
                                  "dynamodb_endpoint": faults.endpoint("dynamodb"), "refresh_seconds": 0.5,
                                  "timeout_seconds": 1, "hangup_cause": 21,
                                  "pbx": {"country": "GB", "extension_template": "+44207946{}"}}))
    fraudster = _agi_environment("PJSIP/sat-1-0000001a", "1001", "00881631234567")
    neighbour = _agi_environment("PJSIP/alice-0000001b", "1002", "02079460958")
    # The per-call AGI program, on stdin/stdout as Asterisk runs it.
    refused = _agi_process(config, fraudster)
    assert refused.returncode == 0, refused.stderr
    assert refused.stdout.splitlines() == ['SET VARIABLE BLOCK_STATUS "BLOCKED"',
                                           refused.stdout.splitlines()[1], "EXEC Hangup 21"]
    assert refused.stdout.splitlines()[1].startswith('SET VARIABLE BLOCK_REASON "subscriber:sat-1 blocked by fraud-job')
    assert _agi_process(config, neighbour).stdout.splitlines()[0] == 'SET VARIABLE BLOCK_STATUS "ALLOWED"'
    # The FastAGI server: it read the list once; DynamoDB then becomes unreachable.
    settings = load_block_check(config)
    cache = BlockListCache(dynamodb_fetch(settings), settings.refresh_seconds)
    port, ready, stop = free_port(), threading.Event(), threading.Event()
    server = threading.Thread(target=serve, args=(("127.0.0.1", port), cache, settings, ready, stop), daemon=True)
    server.start()
    assert ready.wait(30)
    try:
        assert _fastagi_call(port, fraudster)[-1] == "EXEC Hangup 21"
        with faults.down("dynamodb"), caplog.at_level("WARNING", logger="block_check"):
            time.sleep(2.5)  # several refreshes fail
            assert _fastagi_call(port, fraudster)[-1] == "EXEC Hangup 21"  # the list read before still holds
            assert _fastagi_call(port, neighbour)[0] == 'SET VARIABLE BLOCK_STATUS "ALLOWED"'
            assert "block list not read" in caplog.text and "blocks added since are not enforced" in caplog.text
            # A program that never read a list lets the call through, and says so.
            unchecked = _agi_process(config, fraudster)
            assert unchecked.stdout.splitlines()[0] == 'SET VARIABLE BLOCK_STATUS "UNCHECKED"'
            assert "calls go ahead unchecked (fail-open)" in unchecked.stderr
    finally:
        stop.set()
        server.join(10)


def test_live_a_running_call_alerts_by_the_wall_clock_with_no_other_traffic(tmp_path: Path) -> None:
    """Live, nothing else on the stream to move event time: the crossing is acted on by the
    wall clock (5 s after it, for a STOP that may be on its way). Levels lowered to 1 and 2 so
    the call reaches them in seconds. The subscriber reference data is re-read while the job
    runs: a call-centre subscriber's call alerts without a block (the class's action is none);
    once the file no longer names the next one's class, that subscriber's call is blocked."""
    rules = tmp_path / "fraud.yaml"
    rules.write_text(DEFAULT_RULES.read_text().replace("RUNNING_COST:\n    warning: 25\n    critical: 75",
                                                      "RUNNING_COST:\n    warning: 1\n    critical: 2"))
    reference = tmp_path / "subscribers.csv"
    reference.write_text("subscriber_id,class\nsat-2,call_centre\nsat-3,call_centre\n")
    base = subscriber_base(TrafficSpec(seed=4, subscribers=2))
    with LocalAws.start(Resources(stream="cdr-fraud-live", bucket="cdr-fraud-live")) as aws:
        groups = aws.application_properties(bounded=False)
        fraud = next(g for g in groups if g["PropertyGroupId"] == "CdrFraud")["PropertyMap"]
        fraud |= {"rules": str(rules), "subscriber-classes": str(reference), "subscriber-classes.reload.seconds": "1"}
        live = tmp_path / "live.json"
        live.write_text(json.dumps(groups))
        result = run_checkpointed(live, tmp_path / "checkpoints")

        def satellite_call(subscriber: str) -> datetime:
            start = datetime.now(UTC).replace(microsecond=0)
            plan = CallPlan(dataclasses.replace(base[0], subscriber_id=subscriber), "MOBILE_ORIGINATED", SATELLITE,
                            "INTERNATIONAL", start, 3, 2_400, "NORMAL", call_id=f"{subscriber}-live", with_start=True)
            put_stream([to_json(build_call(plan, random.Random(3))[0][1])], aws.kinesis, aws.resources.stream_arn)
            _wait_for(lambda: [i["severity"] for i in aws.scan(aws.resources.fraud_alerts_table)
                               if i["rule"] == "RUNNING_COST" and i["subscriber_id"] == subscriber] == ["CRITICAL"], 90)
            return start

        def blocked() -> set[str]:
            return {item["value"] for item in aws.scan(aws.resources.fraud_blocks_table)}

        try:
            # Once the job bills a first call, it is reading: the satellite call starts now.
            warm_up = CallPlan(base[1], "MOBILE_ORIGINATED", "+442079460958", "LANDLINE",
                               datetime.now(UTC) - timedelta(minutes=1), 2, 30, "NORMAL", call_id="warm-up")
            put_stream([to_json(r) for _, r in build_call(warm_up, random.Random(2))], aws.kinesis,
                       aws.resources.stream_arn)
            _wait_for(lambda: aws.scan(aws.resources.billing_monthly_table))
            start = satellite_call("sat-2")
            alert, = [i for i in aws.scan(aws.resources.fraud_alerts_table) if i["rule"] == "RUNNING_COST"]
            critical_at = _crossing(start, Decimal(2))
            assert alert["subscriber_id"] == "sat-2" and alert["detected_at"] == _iso(critical_at)
            assert Decimal(str(alert["observed"])) == _observed(start, critical_at)

            reference.write_text("subscriber_id,class\nsat-2,call_centre\n")  # sat-3: no class any more
            time.sleep(2.5)  # past a reload period: the job reads it at its next record or timer
            satellite_call("sat-3")
            _wait_for(lambda: "sat-3" in blocked(), 30)
            assert blocked() == {"sat-3"}  # sat-2, still a call centre's, alerted and was never blocked
        finally:
            result.get_job_client().cancel().result()


def test_the_fraud_desk_adds_lists_and_lifts_blocks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ops.blocks import main as blocks

    with LocalAws.start(Resources(stream="cdr-blocks-desk", bucket="cdr-blocks-desk")) as aws:
        properties = aws.write_properties(tmp_path / "app.json", bounded=False)
        assert blocks(["--properties", str(properties), "add", "--number", "002348031234567", "--by", "alice",
                       "--reason", "wangiri source", "--for", "7 d"]) == 2  # not E.164: refused
        assert blocks(["--properties", str(properties), "add", "--number", "+2348031234567", "--by", "alice",
                       "--reason", "wangiri source", "--for", "7 d"]) == 0
        assert blocks(["--properties", str(properties), "add", "--subscriber", "sub-9", "--by", "bob",
                       "--reason", "chargeback"]) == 0
        capsys.readouterr()
        assert blocks(["--properties", str(properties), "list"]) == 0
        listed = capsys.readouterr().out.splitlines()
        assert listed[-1] == "2 block(s) in force"
        assert any(line.startswith("number:+2348031234567") and "by alice: wangiri source" in line for line in listed)
        assert any(line.startswith("subscriber:sub-9") and "until lifted" in line for line in listed)
        item, = [i for i in aws.scan(aws.resources.fraud_blocks_table) if i["target"] == "number:+2348031234567"]
        added = datetime.fromisoformat(item["blocked_at"].replace("Z", "+00:00"))
        assert int(item["expires_at"]) == int((added + timedelta(days=7)).timestamp())
        assert blocks(["--properties", str(properties), "lift", "--subscriber", "sub-9", "--by", "carol"]) == 0
        assert "lifted by carol: subscriber:sub-9" in capsys.readouterr().out
        assert blocks(["--properties", str(properties), "lift", "--subscriber", "sub-9", "--by", "carol"]) == 1
        assert [i["target"] for i in aws.scan(aws.resources.fraud_blocks_table)] == ["number:+2348031234567"]


def test_the_fraud_desk_reviews_alerts_and_a_replayed_alert_keeps_its_status(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.fraud_eval import main as fraud_eval
    from ops.alerts import main as alerts

    def alert_item(alert_id: str, rule: str, severity: str = "WARNING") -> dict:
        """An alert as the job's sink writes it."""
        return {"alert_id": {"S": alert_id}, "rule": {"S": rule}, "severity": {"S": severity},
                "subscriber_id": {"S": "sub-1"}, "detected_at": {"S": "2026-11-20T10:00:00.000Z"},
                "observed": {"N": "12"}, "threshold": {"N": "12"}}

    with LocalAws.start(Resources(stream="cdr-alert-desk", bucket="cdr-alert-desk")) as aws:
        properties = str(aws.write_properties(tmp_path / "app.json", bounded=False))
        table = aws.resources.fraud_alerts_table
        for item in (alert_item("v1", "VELOCITY"), alert_item("v2", "VELOCITY"), alert_item("w1", "WANGIRI")):
            aws.dynamodb.put_item(TableName=table, Item=item)
        assert alerts(["--properties", properties, "ack", "v1", "--by", "alice", "--note", "calling him"]) == 0
        assert alerts(["--properties", properties, "false-positive", "v1", "--by", "alice",
                       "--note", "a radio phone-in"]) == 0
        assert alerts(["--properties", properties, "resolve", "v2", "--by", "bob"]) == 0
        assert alerts(["--properties", properties, "resolve", "v1", "--by", "bob"]) == 1  # closed: reopen first
        # The job writes v1 again (an escalation, or a replay after a restore): the status stays.
        aws.dynamodb.put_item(TableName=table, Item=alert_item("v1", "VELOCITY", "CRITICAL"))
        capsys.readouterr()
        assert alerts(["--properties", properties, "list"]) == 0
        listed = capsys.readouterr().out.splitlines()
        assert any(" v1 VELOCITY" in line and "CRITICAL" in line and "FALSE_POSITIVE (alice," in line
                   for line in listed)
        assert any(" w1 WANGIRI" in line and line.rstrip().endswith("OPEN") for line in listed)
        assert alerts(["--properties", properties, "list", "--status", "OPEN"]) == 0
        assert capsys.readouterr().out.splitlines()[-1] == "1 alert(s)"
        assert fraud_eval(["--marked", properties]) == 0
        marks = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()[1:]}
        assert marks == {"VELOCITY": ["2", "2", "1", "0.50"], "WANGIRI": ["1", "0", "0", "–"]}
        status = aws.dynamodb.get_item(TableName=aws.resources.fraud_alert_status_table,
                                       Key={"alert_id": {"S": "v1"}})["Item"]
        assert [entry["S"].split(" ", 1)[1] for entry in status["history"]["L"]] == [
            "ACKNOWLEDGED by alice: calling him", "FALSE_POSITIVE by alice: a radio phone-in"]
