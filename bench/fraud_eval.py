"""Recall and precision of the fraud rules on labelled traffic (synthetic/fraud_scenarios.py).

    python -m bench.fraud_eval --seed 11 [--subscribers 1000] [--per-rule 4] [--rules rules/fraud.yaml]
                               [--keep DIR]
    python -m bench.fraud_eval --marked app.json     the live job's alerts, as the fraud desk marked them

Generates the history and the evaluated day with injected frauds and look-alikes, replays them
through the job (the same SQL and Python rules as streaming), and compares the alerts with the
labels, per rule, by entity (a subscriber; the calling number for WANGIRI): recall = labelled
entities alerted / labelled; precision = alerts that name a labelled entity for that rule (or a
rule the same fraud may honestly trip) / all alerts of the rule, look-alikes and every day of
history included. Exit 1 when a rule misses recall ≥ 0.95 or precision ≥ 0.90.

`--marked` scores production instead: per rule, the streaming job's alerts, how many the fraud
desk reviewed (resolved or marked false positive with `python -m ops.alerts`) and how many of
those were false positives.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from domain.fraud_rules import DEFAULT_RULES, Rule
from synthetic.fraud_scenarios import Label, ScenarioSpec, build
from synthetic.traffic import to_json

RECALL_TARGET = 0.95
PRECISION_TARGET = 0.90


@dataclass(frozen=True)
class Score:
    rule: str
    labelled: int
    alerted: int
    caught: int
    correct: int

    @property
    def recall(self) -> float:
        return self.caught / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.alerted if self.alerted else 1.0

    @property
    def passes(self) -> bool:
        return self.recall >= RECALL_TARGET and self.precision >= PRECISION_TARGET


def score(labels: list[Label], alerts: list[tuple[str, str]]) -> list[Score]:
    """Per rule, from labels and (rule, entity) alerts (one per distinct pair)."""
    wanted = collections.defaultdict(set)
    allowed = collections.defaultdict(set)
    for label in labels:
        wanted[label.rule].add(label.entity)
        for rule in (label.rule, *label.also):
            allowed[rule].add(label.entity)
    alerted = collections.defaultdict(set)
    for rule, entity in set(alerts):
        alerted[rule].add(entity)
    return [Score(rule.value, len(wanted[rule]), len(alerted[rule]), len(wanted[rule] & alerted[rule]),
                  len(alerted[rule] & allowed[rule])) for rule in Rule]


def false_alerts_per_10k_day(labels: list[Label], alerts: list[tuple[str, str]], subscribers: int,
                             days: int) -> dict[str, float]:
    """Per rule: alerts that name no labelled entity for it (nor a rule its fraud may honestly
    trip), per 10,000 subscribers per day of the traffic."""
    allowed = {(rule, label.entity) for label in labels for rule in (label.rule, *label.also)}
    false = collections.Counter(rule for rule, entity in alerts if (rule, entity) not in allowed)
    return {rule.value: false[rule.value] * 10_000 / (subscribers * days) for rule in Rule}


def classes_file(call_centres: list[str], target: Path, activated: dict[str, str] | None = None) -> Path:
    """The scenario's subscriber reference data as an operator's export lists it: its call
    centres in class call_centre, its new subscriptions with their activation date."""
    lines = [f"{s},call_centre,\n" for s in call_centres] + [f"{s},,{day}\n" for s, day in (activated or {}).items()]
    target.write_text("subscriber_id,class,since\n" + "".join(lines), encoding="utf-8")
    return target


def evaluate(spec: ScenarioSpec, rules: Path, workdir: Path) -> tuple[list[Score], list[dict[str, object]]]:
    from jobs.cdr_pipeline import run_replay

    records, scenarios = build(spec)
    cdrs = workdir / "cdrs.jsonl"
    with cdrs.open("w", encoding="utf-8") as out:
        out.writelines(to_json(record) + "\n" for record in records)
    (workdir / "labels.jsonl").write_text("".join(json.dumps(label) + "\n" for label in scenarios.labels_as_dicts()))
    properties = workdir / "application_properties.json"
    classes = classes_file(scenarios.call_centres, workdir / "subscriber_classes.csv", scenarios.activated)
    # The fraud rules alone: a flood of unanswered calls also drops its route's ASR, which a
    # route alarm would rightly report, but that is not what is scored here.
    properties.write_text(json.dumps([{"PropertyGroupId": "CdrFraud", "PropertyMap": {
        "rules": str(rules), "subscriber-classes": str(classes)}},
        {"PropertyGroupId": "CdrRouteAlarms", "PropertyMap": {"enabled": "false"}}]))
    run_replay(cdrs, workdir / "out", properties, fraud=True)
    alerts = pq.read_table(workdir / "out" / "fraud_alerts").to_pylist()
    return score(scenarios.labels, [(a["rule"], a["subscriber_id"]) for a in alerts]), alerts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fraud_eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--subscribers", type=int, default=1_000)
    parser.add_argument("--calls-per-day", type=int, default=4_000)
    parser.add_argument("--per-rule", type=int, default=4)
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--keep", type=Path, help="keep the traffic, labels and results here")
    parser.add_argument("--marked", type=Path, metavar="PROPERTIES",
                        help="score the live job's alerts by the fraud desk's marks (its application_properties.json)")
    args = parser.parse_args(argv)
    if args.marked:
        from ops.alerts import main as fraud_desk

        return fraud_desk(["--properties", str(args.marked), "marks"])
    spec = ScenarioSpec(seed=args.seed, subscribers=args.subscribers, calls_per_day=args.calls_per_day,
                        per_rule=args.per_rule)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="fraud-eval-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        scores, alerts = evaluate(spec, args.rules, workdir)
        labels = [Label(**{**row, "also": tuple(row["also"])})
                  for row in map(json.loads, (workdir / "labels.jsonl").read_text().splitlines())]
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"seed {spec.seed}: {spec.subscribers} subscribers, {spec.history_days} days of history, "
          f"{spec.per_rule} frauds per rule; {len(alerts)} alerts")
    false_rate = false_alerts_per_10k_day(labels, [(str(a["rule"]), str(a["subscriber_id"])) for a in alerts],
                                          spec.subscribers, spec.history_days + 1)
    print(f"  {'rule':<26} {'labelled':>8} {'alerted':>8} {'recall':>7} {'precision':>9} {'false/10k/day':>14}")
    for s in scores:
        mark = "" if s.passes else "   <- below target"
        print(f"  {s.rule:<26} {s.labelled:>8} {s.alerted:>8} {s.recall:>7.2f} {s.precision:>9.2f}"
              f" {false_rate[s.rule]:>14.2f}{mark}")
    return 0 if all(s.passes for s in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
