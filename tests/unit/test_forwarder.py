"""The Asterisk forwarder: every line once across restarts, rotation and truncation; bad
lines kept with their reason; CEL calls sent once, whole, whenever the forwarder stops.
Kinesis is a recording double here (the stream itself is exercised in tests/integration/test_asterisk_pipeline.py)."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from asterisk_adapter import cel
from asterisk_adapter.cdr import AsteriskConfig, AsteriskLineError, parse_csv_line
from asterisk_adapter.forwarder import DEAD_LETTERS_FILE, Forwarder, converter, load_position
from asterisk_adapter.tail import Tail
from domain.cdr import validate_record
from stream_io.kinesis_writer import KinesisWriter

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "asterisk"
CONFIG = AsteriskConfig()
LINES = [line for path in sorted(FIXTURES.glob("*.csv")) for line in path.read_text().splitlines()]


class RecordingKinesis:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.keys: list[str] = []

    def put_records(self, StreamARN: str, Records: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 (boto3's)
        self.records += [json.loads(record["Data"]) for record in Records]
        self.keys += [record["PartitionKey"] for record in Records]
        return {"Records": [{"SequenceNumber": str(len(self.records))} for _ in Records]}

    @property
    def record_ids(self) -> list[str]:
        return [record["recordId"] for record in self.records]


def forwarder(path: Path, state: Path, kinesis: RecordingKinesis, batch_size: int = 4, file_format: str = "csv",
              **options: Any) -> Forwarder:
    """A forwarder as a restart creates it: from the saved position."""
    state.mkdir(exist_ok=True)
    position, replayed = load_position(state)
    return Forwarder(Tail(path, position), KinesisWriter(kinesis, "arn:stream"), state,
                     converter(file_format, CONFIG, replayed, **options), batch_size=batch_size)


def ids(lines: list[str]) -> list[str]:
    return [parse_csv_line(line, CONFIG)["recordId"] for line in lines]


def append(path: Path, lines: list[str]) -> None:
    with path.open("a") as out:
        out.writelines(line + "\n" for line in lines)


def test_a_restart_between_batches_neither_loses_nor_repeats(tmp_path: Path) -> None:
    master, state, kinesis = tmp_path / "Master.csv", tmp_path / "state", RecordingKinesis()
    bad = ['"only","three","columns"', LINES[0].replace('"ANSWERED"', '"MAYBE"')]
    append(master, LINES[:9] + bad[:1] + LINES[9:] + bad[1:])
    first = forwarder(master, state, kinesis)
    assert first.step() and first.step()  # two batches of 4, then the process dies
    del first
    counts = forwarder(master, state, kinesis).run(follow=False)
    assert kinesis.record_ids == ids(LINES)
    assert counts.dead == 2
    dead = [json.loads(line) for line in (state / DEAD_LETTERS_FILE).read_text().splitlines()]
    assert [(row["reason"], row["raw_record"]) for row in dead] == [
        ("ASTERISK_BAD_COLUMNS", bad[0]), ("ASTERISK_UNKNOWN_DISPOSITION", bad[1])]
    assert dead[0]["source_offset"] == str(sum(len(line) + 1 for line in LINES[:9]))


def test_a_crash_after_a_put_before_its_position_resends_that_batch_with_the_same_ids(tmp_path: Path) -> None:
    master, state, kinesis = tmp_path / "Master.csv", tmp_path / "state", RecordingKinesis()
    append(master, LINES[:10])
    first = forwarder(master, state, kinesis)
    first.step()
    saved = (state / "position.json").read_text()
    first.step()
    (state / "position.json").write_text(saved)  # the second batch's position never reached the disk
    forwarder(master, state, kinesis).run(follow=False)
    assert kinesis.record_ids == ids(LINES[:8]) + ids(LINES[4:10])  # batch 2 twice: the job drops the copy


def test_rotation_and_new_lines_are_followed_while_running(tmp_path: Path) -> None:
    master, kinesis = tmp_path / "Master.csv", RecordingKinesis()
    append(master, LINES[:3])
    running = forwarder(master, tmp_path / "state", kinesis, batch_size=100)
    running.step()
    append(master, LINES[3:5])  # written just before logrotate renames the file
    master.rename(tmp_path / "Master.csv.1")
    append(master, LINES[5:8])
    running.run(follow=False)
    assert kinesis.record_ids == ids(LINES[:8])


def test_rotation_while_stopped_finishes_the_old_file_first(tmp_path: Path) -> None:
    master, state, kinesis = tmp_path / "Master.csv", tmp_path / "state", RecordingKinesis()
    append(master, LINES[:3])
    forwarder(master, state, kinesis, batch_size=100).run(follow=False)
    append(master, LINES[3:6])
    os.rename(master, tmp_path / "Master.csv-20261103")
    append(master, LINES[6:9])
    forwarder(master, state, kinesis, batch_size=100).run(follow=False)
    assert kinesis.record_ids == ids(LINES[:9])


def test_truncation_restarts_from_the_top_and_a_half_written_line_waits(tmp_path: Path) -> None:
    master, kinesis = tmp_path / "Master.csv", RecordingKinesis()
    append(master, LINES[:4])
    running = forwarder(master, tmp_path / "state", kinesis, batch_size=100)
    running.run(follow=False)
    master.write_text("")  # copytruncate
    append(master, LINES[4:6])
    with master.open("a") as out:
        out.write(LINES[6][:40])  # Asterisk is mid-write
    running.run(follow=False)
    assert kinesis.record_ids == ids(LINES[:6])
    with master.open("a") as out:
        out.write(LINES[6][40:] + "\n")
    running.run(follow=False)
    assert kinesis.record_ids == ids(LINES[:7])


@pytest.mark.parametrize("batch_size", [1, 500])
def test_records_keep_the_contract_and_are_keyed_by_subscriber(tmp_path: Path, batch_size: int) -> None:
    master, kinesis = tmp_path / "Master.csv", RecordingKinesis()
    append(master, LINES)
    forwarder(master, tmp_path / "state", kinesis, batch_size).run(follow=False)
    assert [validate_record(json.dumps(record)).reason for record in kinesis.records] == [None] * len(LINES)
    assert kinesis.keys == [record["callingParty"]["subscriberId"] for record in kinesis.records]
    assert set(kinesis.keys) == {"2001", "2002", "2003"}  # the endpoints' names: no accounts configured


# --- CEL --------------------------------------------------------------------------------------

CEL_FILES = [(FIXTURES / "cel" / f"{scenario}.jsonl").read_text().splitlines()
             for scenario in sorted(p.stem for p in (FIXTURES / "cel").glob("*.jsonl"))]
# The ten scenarios' events interleaved line by line, as a PBX running them at once logs them.
CEL_LINES = [file[i] for i in range(max(map(len, CEL_FILES))) for file in CEL_FILES if i < len(file)]


def one_pass(lines: list[str]) -> tuple[list[str], list[str]]:
    """recordIds and dead-letter sources of one conversion of the whole file."""
    results = list(cel.convert(lines, CONFIG))
    return ([record["recordId"] for _, record in results if not isinstance(record, AsteriskLineError)],
            [source for source, record in results if isinstance(record, AsteriskLineError)])


@pytest.mark.parametrize("batch_size", [1, 7, 60])
def test_cel_stopped_after_every_batch_sends_each_call_once_and_whole(tmp_path: Path, batch_size: int) -> None:
    cel_file, state, kinesis = tmp_path / "cel.jsonl", tmp_path / "state", RecordingKinesis()
    lines = CEL_LINES[:100] + ['{"eventtype": "CHAN_START"}'] + CEL_LINES[100:]
    append(cel_file, lines)
    while forwarder(cel_file, state, kinesis, batch_size, "cel").step():  # a new process for every batch
        pass
    record_ids, dead_sources = one_pass(lines)
    assert kinesis.record_ids == record_ids
    dead = [json.loads(line) for line in (state / DEAD_LETTERS_FILE).read_text().splitlines()]
    assert [row["raw_record"] for row in dead] == dead_sources == ['{"eventtype": "CHAN_START"}']


def test_cel_position_waits_at_the_first_event_of_the_oldest_open_call(tmp_path: Path) -> None:
    cel_file, state, kinesis = tmp_path / "cel.jsonl", tmp_path / "state", RecordingKinesis()
    first, second = CEL_FILES[0], CEL_FILES[1]
    append(cel_file, first[:3] + second)  # the first call still open, the second over
    forwarder(cel_file, state, kinesis, 100, "cel").run(follow=False)
    assert kinesis.record_ids == one_pass(second)[0]
    position, replayed = load_position(state)
    assert position is not None and (position.offset, replayed) == (0, len(first[:3] + second))
    append(cel_file, first[3:])
    forwarder(cel_file, state, kinesis, 100, "cel").run(follow=False)
    assert kinesis.record_ids == one_pass(second)[0] + one_pass(first)[0]
    position, replayed = load_position(state)
    assert position is not None and (position.offset, replayed) == (cel_file.stat().st_size, 0)


def test_cel_a_call_whose_end_never_comes_is_sent_after_the_idle_time(tmp_path: Path) -> None:
    cel_file, state, kinesis = tmp_path / "cel.jsonl", tmp_path / "state", RecordingKinesis()
    stuck = [line for line in CEL_FILES[0] if '"LINKEDID_END"' not in line]
    later = [json.dumps({**event, "EventTime": f"{float(event['EventTime']) + 86_400:.6f}"})  # a day on
             for event in map(json.loads, CEL_FILES[1])]
    append(cel_file, stuck + later)
    forwarder(cel_file, state, kinesis, 100, "cel", idle=timedelta(hours=4)).run(follow=False)
    calls = cel.CelCalls()
    for line in stuck:
        calls.add(cel.parse_cel_json_line(line, CONFIG))
    as_far_as_it_went = [record["recordId"] for _, record in cel.cdr_records(calls.finish(), CONFIG)
                         if not isinstance(record, AsteriskLineError)]
    assert as_far_as_it_went and kinesis.record_ids == as_far_as_it_went + one_pass(later)[0]
    assert load_position(state)[1] == 0  # nothing held open any more
