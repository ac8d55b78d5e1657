"""jobs/state_layout.py: what an edited job keeps of a snapshot, from two layouts written here
by hand (descriptions as Flink 2.2 writes them); the plans themselves are read in
tests/integration/test_upgrade_restore.py."""

from __future__ import annotations

from jobs.state_layout import compare, describe, holds_state

BILLS = "GroupAggregate(groupBy=[subscriber_id, month_currency], select=[subscriber_id, COUNT_RETRACT(*) AS calls])"
USAGE = "GlobalWindowAggregate(groupBy=[subscriber_id], window=[TUMBLE(win_start=[window_start], size=[1 h])])"
RUNNING = {
    "1_source": "TableSourceScan(table=[[default_catalog, default_database, cdr_raw]], fields=[line])",
    "2_calc": "Calc(select=[line])",
    "9_deduplicate": "Deduplicate(keep=[FirstRow], key=[record_id], order=[PROCTIME])",
    "14_source": "TableSourceScan(table=[[*anonymous_datastream_source*]], fields=[record_id])",
    "51_global-window-aggregate": USAGE,
    "72_group-aggregate": BILLS,
    "74_sink": "billing_monthly: Writer",
    "logical-calls-by-linked-id": "logical calls by linkedId",
}


def test_an_appended_statement_adds_operators_and_keeps_all_the_others() -> None:
    edited = {**RUNNING, "80_calc": "Calc(select=[call_direction])", "82_group-aggregate": "GroupAggregate(...)"}
    change = compare(RUNNING, edited)
    assert change.restores
    assert change.kept == RUNNING and list(change.added) == ["80_calc", "82_group-aggregate"]
    assert "snapshot restores" in change.report()


def test_a_stateful_uid_given_to_another_operator_is_a_change_that_does_not_restore() -> None:
    # Numbers shifted by a statement inserted earlier: 72 is now the usage window's aggregate's
    # kind-mate, the bills' aggregate is 76, and the bills' sink went from 74 to 78.
    edited = {**RUNNING, "72_group-aggregate": BILLS.replace("subscriber_id, month_currency", "subscriber_id"),
              "76_group-aggregate": BILLS, "78_sink": "billing_monthly: Writer"}
    del edited["74_sink"]
    change = compare(RUNNING, edited)
    assert not change.restores
    assert change.changed == {"72_group-aggregate": BILLS}
    assert change.dropped == {"74_sink": "billing_monthly: Writer"}
    assert set(change.added) == {"76_group-aggregate", "78_sink"}
    report = change.report()
    assert "CHANGED  72_group-aggregate" in report and "DROPPED  74_sink" in report and "does NOT restore" in report


def test_stateless_operators_may_change_or_go_without_stopping_a_restore() -> None:
    edited = {uid: operator for uid, operator in RUNNING.items() if uid != "14_source"}
    edited["2_calc"] = "Calc(select=[line, arrival_time])"
    change = compare(RUNNING, edited)
    assert change.restores and not change.changed and not change.dropped
    assert set(RUNNING) - set(change.kept) == {"2_calc", "14_source"}


def test_a_python_stage_s_own_operator_keeps_state_whatever_its_name() -> None:
    change = compare(RUNNING, {uid: op for uid, op in RUNNING.items() if uid != "logical-calls-by-linked-id"})
    assert change.dropped == {"logical-calls-by-linked-id": "logical calls by linkedId"}


def test_which_kinds_hold_state() -> None:
    assert holds_state("1_source", RUNNING["1_source"])  # a Kinesis reader's shard positions
    assert not holds_state("14_source", RUNNING["14_source"])  # a Python stage's output handed on
    assert holds_state("9_deduplicate", "") and holds_state("121_streaming-writer", "StreamingFileWriter")
    assert not any(holds_state(f"3_{kind}", "") for kind in ("calc", "correlate", "constraint-validator",
                                                               "local-window-aggregate", "timestamp-inserter"))


def test_descriptions_lose_the_numbers_the_plan_gave_them() -> None:
    assert describe("[72]:GroupAggregate(groupBy=[a], select=[a, COUNT(*) FILTER $f2 AS n])") == \
        "GroupAggregate(groupBy=[a], select=[a, COUNT(*) FILTER $f2 AS n])"
    assert describe("billing_monthly[74]: Writer") == "billing_monthly: Writer"
    assert describe("[14]:TableSourceScan(table=[[*anonymous_datastream_source$4*, watermark=[W]]])") == \
        "TableSourceScan(table=[[*anonymous_datastream_source*, watermark=[W]]])"
