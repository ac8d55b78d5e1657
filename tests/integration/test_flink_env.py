"""The table environment's gateway: planning works whatever other threads did through it."""

from __future__ import annotations

import threading

from pyflink.java_gateway import get_gateway

from jobs.flink_env import create_table_env


def _jvm_thread() -> int:
    return int(get_gateway().jvm.java.lang.Thread.currentThread().getId())


def _call_from_threads(count: int) -> None:
    """Calls that overlap, so py4j opens a connection (a JVM thread) for each."""
    barrier = threading.Barrier(count)

    def call() -> None:
        barrier.wait()
        get_gateway().jvm.java.lang.Thread.sleep(300)

    threads = [threading.Thread(target=call) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_planning_after_other_threads_used_the_gateway() -> None:
    t_env = create_table_env(managed=False)
    before = _jvm_thread()
    _call_from_threads(3)
    # Unpinned, this call takes the connection last given back, most likely another thread's,
    # and the planner's metadata provider (a JVM thread local) is missing there.
    assert [_jvm_thread() for _ in range(5)] == [before] * 5
    t_env.execute_sql("CREATE TEMPORARY VIEW numbers AS SELECT x, x * 2 AS twice "
                      "FROM (VALUES (1), (2), (3)) AS t(x) WHERE x > 1")
    stream = t_env._j_tenv.toDataStream(t_env.from_path("numbers")._j_table)
    assert stream is not None
    with t_env.execute_sql("SELECT twice FROM numbers").collect() as rows:
        assert sorted(row[0] for row in rows) == [4, 6]


def test_each_thread_keeps_its_own_jvm_thread() -> None:
    create_table_env(managed=False)
    seen: dict[str, list[int]] = {}
    rounds = threading.Barrier(3)

    def record(name: str) -> None:
        seen[name] = []
        for _ in range(20):  # in step, so the pool's order changes between rounds
            rounds.wait()
            seen[name].append(_jvm_thread())

    threads = [threading.Thread(target=record, args=(f"t{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(len(set(ids)) == 1 for ids in seen.values()), seen
    assert len({ids[0] for ids in seen.values()}) == 3, seen
