"""Fraud detection through the job: the labelled evaluation (replay) reaches the targets on a
seed the rules were not tuned on (11), and the streaming job raises the same kind of alerts
into DynamoDB within its run, with the alerted legs tagged in S3."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from bench.fraud_eval import PRECISION_TARGET, RECALL_TARGET, classes_file, evaluate, score
from domain.fraud_rules import DEFAULT_RULES, Action, Rule, load_rules
from jobs.cdr_pipeline import run_replay, run_stream
from local.local_aws import LocalAws, Resources
from stream_io.kinesis_writer import put_stream
from synthetic.fraud_scenarios import Label, ScenarioSpec, build
from synthetic.traffic import to_json

SEED = 29  # not the tuning seed


def expected_alert_id(entity: str, rule: str, window_start: str) -> str:
    """The documented alert id: sha256 of "key|RULE|window start in epoch ms", 32 hex digits."""
    start_ms = round(datetime.fromisoformat(window_start.replace("Z", "+00:00")).timestamp() * 1000)
    return hashlib.sha256(f"{entity}|{rule}|{start_ms}".encode()).hexdigest()[:32]


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Any], list[dict[str, Any]], Path]:
    workdir = tmp_path_factory.mktemp("fraud-eval")
    spec = ScenarioSpec(seed=SEED, calls_per_day=3_000, call_centre_agents=12)
    scores, alerts = evaluate(spec, DEFAULT_RULES, workdir)
    return scores, alerts, workdir


def test_every_rule_reaches_recall_and_precision(evaluation: Any) -> None:
    scores, _, _ = evaluation
    assert {s.rule for s in scores} == set(Rule)
    for s in scores:
        assert s.labelled > 0, s.rule
        assert s.recall >= RECALL_TARGET and s.precision >= PRECISION_TARGET, s


def test_each_injected_fraud_is_alerted_with_the_id_of_its_window(evaluation: Any) -> None:
    """Exact ids: each fraud's alert names the window that starts with the fraud's first call
    (SPEND_SPIKE: its UTC day), as the labels record it."""
    _, alerts, workdir = evaluation
    labels = [json.loads(line) for line in (workdir / "labels.jsonl").read_text().splitlines()]
    alerted = {(a["rule"], a["subscriber_id"], a["alert_id"]) for a in alerts}
    expected = {(rule, entity, expected_alert_id(entity, rule, label["window_start"]))
                for label in labels for rule, entity in [(label["rule"], label["entity"])]}
    assert expected - alerted == set()


def test_alerts_carry_their_evidence_and_tagged_legs(evaluation: Any) -> None:
    _, alerts, workdir = evaluation
    labels = [json.loads(line) for line in (workdir / "labels.jsonl").read_text().splitlines()]
    flood = next(label for label in labels if label["rule"] == "VELOCITY")
    velocity = [a for a in alerts if a["rule"] == "VELOCITY" and a["subscriber_id"] == flood["entity"]]
    assert velocity and all(len(a["evidence_call_ids"]) == 10 for a in velocity)
    assert all(call.startswith(f"fraud-{SEED}-") for a in velocity for call in a["evidence_call_ids"])
    assert {a["severity"] for a in velocity} <= {"WARNING", "CRITICAL"}
    tagged = ds.dataset(workdir / "out" / "fraud_tagged_calls", partitioning="hive").to_table().to_pylist()
    by_alert = {}
    for row in tagged:
        by_alert.setdefault(row["alert_id"], set()).add(row["call_id"])
        assert row["tags"] == ["fraud-alert", f"fraud:{row['rule']}"] and row["record_id"].startswith(row["call_id"])
    assert len({a["alert_id"] for a in alerts}) == len(alerts), "one row per alert id, its last state"
    assert set(by_alert) == {a["alert_id"] for a in alerts}
    # Every leg an alert names is tagged (an escalation's earlier evidence stays tagged too).
    assert all(set(a["evidence_call_ids"]) <= by_alert[a["alert_id"]] for a in alerts)


def test_minute_metrics_count_every_alert_raised(evaluation: Any) -> None:
    """Each alert raised (an escalation is raised again) counts once in the minute metrics,
    under its triggering record's dimensions; the flood's under the flood calls' own."""
    _, alerts, workdir = evaluation
    tagged = ds.dataset(workdir / "out" / "fraud_tagged_calls", partitioning="hive").to_table().to_pylist()
    raised = {(row["alert_id"], row["severity"], row["detected_at"]) for row in tagged}
    metrics = pq.read_table(workdir / "out" / "metrics_minutely").to_pylist()
    assert sum(row["fraud_alerts"] for row in metrics) == len(raised) > len(Rule)
    velocity = next(a for a in alerts if a["rule"] == "VELOCITY")
    minute = velocity["detected_at"].replace(second=0, microsecond=0, tzinfo=None)
    assert any(row["minute_start"] == minute and row["direction"] == "MOBILE_ORIGINATED" and row["fraud_alerts"]
               for row in metrics)


def test_the_score_counts_entities_and_honest_side_effects() -> None:
    labels = [Label("a", "VELOCITY", "s1"), Label("b", "HIGH_RISK_DESTINATION", "s2", ("SPEND_SPIKE",))]
    alerts = [("VELOCITY", "s1"), ("VELOCITY", "s1"), ("VELOCITY", "s9"), ("SPEND_SPIKE", "s2")]
    scores = {s.rule: s for s in score(labels, alerts)}
    assert (scores["VELOCITY"].recall, scores["VELOCITY"].precision) == (1.0, 0.5)
    assert (scores["HIGH_RISK_DESTINATION"].recall, scores["SPEND_SPIKE"].precision) == (0.0, 1.0)


def test_streaming_raises_the_alerts_into_dynamodb(tmp_path: Path) -> None:
    spec = ScenarioSpec(seed=5, subscribers=200, calls_per_day=300, history_days=8, per_rule=1, call_centre_agents=3)
    records, scenarios = build(spec)
    lines = [to_json(record) for record in records]
    classes = classes_file(scenarios.call_centres, tmp_path / "subscriber_classes.csv", scenarios.activated)
    resources = Resources(stream="cdr-fraud", bucket="cdr-fraud-archive", fraud_alerts_table="cdr_fraud_alerts_e2e",
                          timestream_database="cdr_fraud")
    with LocalAws.start(resources) as aws:
        put_stream(lines, aws.kinesis, aws.resources.stream_arn)
        groups = aws.application_properties(bounded=True, metrics=True)
        next(g for g in groups if g["PropertyGroupId"] == "CdrFraud")["PropertyMap"]["subscriber-classes"] = \
            str(classes)
        groups.append({"PropertyGroupId": "CdrRouteAlarms", "PropertyMap": {"enabled": "false"}})  # fraud alone
        properties = tmp_path / "app.json"
        properties.write_text(json.dumps(groups))
        run_stream(properties, {"parallelism.default": "1"})
        items = aws.scan(aws.resources.fraud_alerts_table)
        tagged = aws.s3_dataset(aws.resources.fraud_tagged_prefix).to_table().to_pylist()
        measured = sum(int(next(m["Value"] for m in r["MeasureValues"] if m["Name"] == "fraud_alerts"))
                       for r in aws.timestream_records("cdr_minute"))
        notices = aws.sns_messages()
        blocks = aws.scan(aws.resources.fraud_blocks_table)
    alerted = {(item["rule"], item["subscriber_id"], item["alert_id"]) for item in items}
    # A subscriber's legs travel in order on one shard, and at parallelism 1 reach its rules in
    # that order: its alerts have the exact ids. (At 2 the job's record-id deduplication can
    # reorder a backlog's legs by minutes, and a threshold be crossed first on a later window;
    # test_restart shows alerts delivered live at 2.) A spray's legs come from many subscribers,
    # so many shards read at their own pace: it can be crossed on a later window of the spray.
    by_subscriber = [label for label in scenarios.labels if label.rule != "WANGIRI"]
    expected = {(label.rule, label.entity, expected_alert_id(label.entity, label.rule, label.window_start))
                for label in by_subscriber}
    assert expected <= alerted
    for label in scenarios.labels:
        if label.rule == "WANGIRI":
            began = datetime.fromisoformat(label.window_start.replace("Z", "+00:00"))
            starts = [datetime.fromisoformat(str(item["window_start"]).replace("Z", "+00:00")) for item in items
                      if (item["rule"], item["subscriber_id"]) == ("WANGIRI", label.entity)]
            assert starts and all(began <= start < began + timedelta(minutes=10) for start in starts), starts
    # Nothing else but what a fraud may honestly trip too: no look-alike, no normal subscriber.
    allowed = {(rule, label.entity) for label in scenarios.labels for rule in (label.rule, *label.also)}
    assert {(rule, entity) for rule, entity, _ in alerted} <= allowed
    assert all(isinstance(item["evidence_call_ids"], list) and 0 < len(item["evidence_call_ids"]) <= 10
               for item in items)
    assert {row["alert_id"] for row in tagged} == {item["alert_id"] for item in items}
    assert measured == len({(row["alert_id"], row["severity"], row["detected_at"]) for row in tagged})
    # Every alert raised (and escalated) notified once, each CRITICAL of a blocking rule blocked.
    assert len(notices) == measured and {n["attributes"]["alert_id"] for n in notices} == {i["alert_id"] for i in items}
    blocking = {rule.value for rule, action in load_rules().actions.items() if action is Action.BLOCK}
    critical = {(i["alert_id"], i["subscriber_id"]) for i in items
                if i["severity"] == "CRITICAL" and i["rule"] in blocking}
    assert {(b["alert_id"], b["value"]) for b in blocks} <= critical
    assert blocks and {b["value"] for b in blocks} == {subscriber for _, subscriber in critical}


def test_replay_writes_fraud_alerts_as_parquet(evaluation: Any) -> None:
    _, _, workdir = evaluation
    table = pq.read_table(workdir / "out" / "fraud_alerts")
    assert str(table.schema.field("observed").type) == "decimal128(18, 6)"
    assert str(table.schema.field("evidence_call_ids").type) == "list<element: string>"


def test_fraud_detection_can_be_turned_off(tmp_path: Path) -> None:
    records, scenarios = build(ScenarioSpec(seed=3, subscribers=300, calls_per_day=600, history_days=1, per_rule=1,
                                            call_centre_agents=1))
    cdrs = tmp_path / "cdrs.jsonl"
    cdrs.write_text("".join(to_json(record) + "\n" for record in records), encoding="utf-8")
    properties = tmp_path / "app.json"
    properties.write_text(json.dumps([{"PropertyGroupId": "CdrFraud", "PropertyMap": {"enabled": "false"}}]))
    summary = run_replay(cdrs, tmp_path / "out", properties, fraud=True)  # asked for, but off in the config
    assert scenarios.labels and not {"fraud_alerts", "fraud_blocks", "fraud_tagged_calls"} & set(summary.rows)
    assert not (tmp_path / "out" / "fraud_alerts").exists() and not (tmp_path / "out" / "fraud_tagged_calls").exists()
    metrics = pq.read_table(tmp_path / "out" / "metrics_minutely").to_pylist()
    assert metrics and sum(row["fraud_alerts"] for row in metrics) == 0
