"""The traffic generator: deterministic, realistic, and valid by the reference model."""

from __future__ import annotations

import collections
import json
import statistics
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from domain.cdr import validate_record
from synthetic.generate import main as generate_main
from synthetic.routes import Degradation
from synthetic.traffic import CDRS_PER_CALL, TrafficSpec, generate, to_json

SPEC = TrafficSpec(seed=3, calls=1_500, subscribers=200, hours=4)


def test_same_seed_same_records_other_seed_other_records() -> None:
    first = [to_json(r) for r in generate(SPEC)]
    assert first == [to_json(r) for r in generate(SPEC)]
    assert first != [to_json(r) for r in generate(TrafficSpec(seed=4, calls=1_500, subscribers=200, hours=4))]


def test_records_are_valid_ordered_and_realistic() -> None:
    records = list(generate(SPEC))
    assert all(validate_record(to_json(r)).reason is None for r in records)
    stops = [r for r in records if r["recordType"] == "STOP"]
    assert len({r.get("linkedId") or r["callId"] for r in stops}) == SPEC.calls  # calls, of one leg or more
    assert len({r["recordId"] for r in stops}) > SPEC.calls  # a STOP per leg
    kinds = collections.Counter(r["recordType"] for r in records)
    assert kinds["START"] > 0.4 * SPEC.calls and kinds["INTERIM"] > 0
    ends = [datetime.fromisoformat(r["endTime"].replace("Z", "+00:00")) for r in stops]
    assert ends == sorted(ends)
    terminations = collections.Counter(r["terminationReason"] for r in stops)
    assert set(terminations) == {"NORMAL", "NO_ANSWER", "BUSY", "FAILED", "CANCELLED"}
    assert 0.6 < terminations["NORMAL"] / SPEC.calls < 0.8
    assert {r["callType"] for r in stops} == {"VOICE", "VIDEO", "CONFERENCE"}
    assert {r["callDirection"] for r in stops} == {"MOBILE_ORIGINATED", "MOBILE_TERMINATED"}
    countries = {r["calledParty"]["destination"] for r in stops}
    assert len(countries) >= 20
    assert all("dataUsage" in r and "qos" in r for r in stops if "answerTime" in r)
    talk = sorted((datetime.fromisoformat(r["endTime"].replace("Z", "+00:00"))
                   - datetime.fromisoformat(r["answerTime"].replace("Z", "+00:00"))).total_seconds()
                  for r in stops if "answerTime" in r)
    assert talk[len(talk) // 2] < 120 < talk[-1] / 10  # median ~1 min, a long tail


def test_legs_to_or_from_outside_carry_a_trunk_and_every_stop_its_sip_and_q850_outcome() -> None:
    stops = [r for r in generate(SPEC) if r["recordType"] == "STOP"]
    trunks = collections.Counter(r.get("trunk") for r in stops)
    assert set(trunks) == {"carrier-a", "carrier-b", "carrier-c", None}  # None: on-net legs and services
    assert trunks["carrier-a"] > trunks["carrier-b"] > trunks["carrier-c"] > 0.05 * len(stops)
    assert all(r.get("trunk") is None for r in stops if r["calledParty"]["numberType"] == "SERVICE")
    outcomes = collections.Counter((r["terminationReason"], r["sipData"]["responseCode"], r["hangupCause"])
                                   for r in stops)
    answered = {r["recordId"] for r in stops if "answerTime" in r}
    for (termination, code, cause), _ in outcomes.items():
        assert (termination, code, cause) in {("NORMAL", 200, 16), ("BUSY", 486, 17), ("NO_ANSWER", 480, 19),
                                              ("CANCELLED", 487, 16), ("FAILED", 200, 41), ("FAILED", 404, 1),
                                              ("FAILED", 503, 34), ("FAILED", 500, 38), ("FAILED", 488, 88)}
    assert sum(n for (t, code, _), n in outcomes.items() if t == "FAILED" and code != 200) > 20
    for r in stops:  # ringing: after set-up, never after the answer; a busy or failed call never rang
        rang = r["terminationReason"] in ("NORMAL", "NO_ANSWER", "CANCELLED")
        assert ("progressTime" in r) == rang
        if rang:
            progress = datetime.fromisoformat(r["progressTime"].replace("Z", "+00:00"))
            assert datetime.fromisoformat(r["startTime"].replace("Z", "+00:00")) <= progress
            assert progress <= datetime.fromisoformat((r.get("answerTime") or r["endTime"]).replace("Z", "+00:00"))
    assert all(r["sipData"]["responseCode"] == 200 for r in stops if r["recordId"] in answered)


def test_a_degraded_trunk_fails_rings_late_and_sounds_worse_only_while_degraded() -> None:
    start = SPEC.start + timedelta(hours=1)
    degraded = replace(SPEC, degradation=Degradation("carrier-b", start, start + timedelta(hours=2)))

    def by_trunk(spec: TrafficSpec, inside: bool) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = collections.defaultdict(list)
        for r in generate(spec):
            setup = datetime.fromisoformat(r["startTime"].replace("Z", "+00:00"))
            if r["recordType"] == "STOP" and r.get("trunk") and (start <= setup < start + timedelta(hours=2)) == inside:
                out[r["trunk"]].append(r)
        return out

    def failed_503(records: list[dict]) -> float:
        return sum(r["sipData"]["responseCode"] == 503 for r in records) / len(records)

    def mean_pdd(records: list[dict]) -> float:
        rang = [r for r in records if "progressTime" in r]
        return statistics.mean((datetime.fromisoformat(r["progressTime"].replace("Z", "+00:00"))
                                - datetime.fromisoformat(r["startTime"].replace("Z", "+00:00"))).total_seconds()
                               for r in rang)

    def mean_mos(records: list[dict]) -> float:
        return statistics.mean(r["qos"]["mos"] for r in records if "qos" in r)

    inside, outside = by_trunk(degraded, True), by_trunk(degraded, False)
    assert failed_503(inside["carrier-b"]) > 0.35 > 0.1 > max(failed_503(outside["carrier-b"]),
                                                             failed_503(inside["carrier-a"]))
    assert mean_pdd(inside["carrier-b"]) > 1.8 * mean_pdd(outside["carrier-b"])
    assert mean_mos(inside["carrier-b"]) < mean_mos(outside["carrier-b"]) - 0.8
    assert abs(mean_pdd(inside["carrier-a"]) - mean_pdd(outside["carrier-a"])) < 0.5


def test_some_calls_go_to_service_numbers_of_the_home_country() -> None:
    stops = [r for r in generate(SPEC) if r["recordType"] == "STOP" and r["calledParty"].get("numberType") == "SERVICE"]
    assert 0 < len(stops) < 0.02 * SPEC.calls
    for record in stops:
        assert record["callDirection"] == "MOBILE_ORIGINATED"
        assert record["calledParty"]["destination"] == record["callingParty"]["location"]["country"]
        assert validate_record(to_json(record)).cdr.called_party.number == record["calledParty"]["number"]


def test_producer_retries_repeat_record_ids() -> None:
    records = list(generate(TrafficSpec(seed=3, calls=1_500, subscribers=200, duplicate_share=0.05)))
    counts = collections.Counter(r["recordId"] for r in records)
    repeated = sum(1 for n in counts.values() if n > 1)
    assert 0.02 * len(counts) < repeated < 0.08 * len(counts)


def test_cli_writes_jsonl(tmp_path) -> None:
    out = tmp_path / "cdrs.jsonl"
    assert generate_main(["--calls", "50", "--seed", "9", "--out", str(out), "--quiet"]) == 0
    lines = out.read_text().splitlines()
    assert [json.loads(line) for line in lines] == list(generate(TrafficSpec(seed=9, calls=50)))


def test_cli_sets_flow_shares(tmp_path) -> None:
    out = tmp_path / "parks.jsonl"
    assert generate_main(["--calls", "30", "--seed", "9", "--flow", "park=1", "--out", str(out), "--quiet"]) == 0
    expected = list(generate(TrafficSpec(seed=9, calls=30, flow_shares=(("park", 1.0),))))
    assert [json.loads(line) for line in out.read_text().splitlines()] == expected
    assert all(record.get("linkedId") for record in expected)  # every call a park: two legs


def test_records_per_planned_call_are_what_benchmarks_size_traffic_by() -> None:
    calls = 5_000
    records = sum(1 for _ in generate(TrafficSpec(seed=3, calls=calls, subscribers=500, hours=0.5,
                                                  start=datetime(2026, 12, 2, 12, 0, tzinfo=UTC))))
    assert abs(records / calls - CDRS_PER_CALL) < 0.1
