"""bench.faults' per-key order judge: probes' dead letters, by partition key and probe number."""

import json

from bench.faults import PROBE_KEYS, out_of_order


def _dead(probe: int, ingest_time: str) -> dict[str, str]:
    return {"raw_record": json.dumps({"probe": probe}), "ingest_time": ingest_time}


def _at(second: int) -> str:
    return f"2026-12-05T03:{second // 60:02d}:{second % 60:02d}.000Z"


def test_probes_leaving_the_source_in_put_order_are_in_order() -> None:
    assert out_of_order([_dead(n, _at(n)) for n in range(40)]) == 0


def test_a_probe_that_left_before_an_earlier_one_of_its_key_is_counted() -> None:
    letters = [_dead(n, _at(n)) for n in range(40)]
    swapped = PROBE_KEYS + 3  # key 3's second probe left before its first
    letters[3], letters[swapped] = _dead(3, _at(swapped)), _dead(swapped, _at(3))
    assert out_of_order(letters) == 1


def test_other_keys_and_ties_do_not_count() -> None:
    # Probes of different keys may leave in any order; one millisecond for two is in order.
    letters = [_dead(1, _at(9)), _dead(2, _at(1)), _dead(1 + PROBE_KEYS, _at(9)), _dead(5, _at(0))]
    assert out_of_order(letters) == 0


def test_a_probe_read_again_after_a_restore_keeps_its_key_in_order() -> None:
    # Probes 0..23 read, the job restored before probe 8: 8..23 are read (and written) again later.
    letters = [_dead(n, _at(n)) for n in range(8)] + [_dead(n, _at(100 + n)) for n in range(8, 24)]
    assert out_of_order(letters + [{"raw_record": "not a probe", "ingest_time": _at(0)}]) == 0


def test_a_probe_put_twice_counts_by_its_first_departure() -> None:
    letters = [_dead(n, _at(n)) for n in range(24)] + [_dead(3, _at(50))]  # probe 3 again, later
    assert out_of_order(letters) == 0
    assert out_of_order(letters + [_dead(3 + 2 * PROBE_KEYS, _at(2))]) == 1  # left before probe 3 and 11
