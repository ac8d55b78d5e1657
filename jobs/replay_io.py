"""The file ends of a replay: input files staged for Flink, results turned into Parquet.

Flink reads JSON Lines as raw text (so no bad line is ever lost). Parquet input — CDRs in
the record's own shape, or a `raw_record` column of JSON text as dead letters and the archive
keep it (the archive's part files included) —
is turned into JSON Lines first. Results are Parquet written by Flink itself, but for the
upsert tables (a key's latest row wins, as in DynamoDB): those are written by Flink as JSON
Lines (decimals as plain numbers, timestamps ISO 8601) and converted here with pyarrow, exactly:
decimals never pass through float.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pa_dataset
import pyarrow.json as pa_json
import pyarrow.parquet as pq

JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")
RAW_COLUMNS = ("raw", "raw_record", "line")


def input_files(path: Path) -> list[Path]:
    """The JSON Lines and Parquet files at `path` (a file, or a folder searched recursively)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"replay input {path} does not exist")
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith((".", "_"))
                   and (p.suffix in JSONL_SUFFIXES or is_parquet(p)))
    if not files:
        raise FileNotFoundError(f"replay input {path} holds no .jsonl/.json/.ndjson/.parquet file")
    return files


def is_parquet(file: Path) -> bool:
    """A .parquet file, or a Parquet file by its magic bytes: Flink's part files (the archive's
    part-... files) have no suffix."""
    if file.suffix == ".parquet":
        return True
    if file.suffix:
        return False
    with file.open("rb") as handle:
        return handle.read(4) == b"PAR1"


def stage_input(path: Path, staging: Path) -> Path:
    """A folder of JSON Lines files holding every input record, for the replay source."""
    target = staging / "input"
    target.mkdir(parents=True)
    for index, file in enumerate(input_files(path)):
        destination = target / f"{index:05d}-{file.stem}.jsonl"
        if is_parquet(file):
            _parquet_to_jsonl(file, destination)
        else:
            destination.symlink_to(file.resolve())
    return target


def read_lines(file: Path) -> Iterator[str]:
    """The records of one input file as JSON text, one per line, whatever the file's type."""
    if not is_parquet(file):
        with file.open(encoding="utf-8", newline="\n") as handle:
            for line in handle:
                yield line.rstrip("\n")
        return
    table = pq.read_table(file)
    raw = next((name for name in RAW_COLUMNS if name in table.column_names), None)
    for batch in table.to_batches(max_chunksize=10_000):
        if raw is not None:
            lines: Iterable[Any] = batch.column(raw).to_pylist()
        else:
            lines = (json.dumps(_jsonable(row), ensure_ascii=False) for row in batch.to_pylist())
        for line in lines:
            yield "" if line is None else str(line).replace("\n", " ")


def count_records(file: Path) -> int:
    """Lines in a JSON Lines file, a last line without its newline included."""
    with file.open("rb") as handle:
        total = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        handle.seek(0, 2)
        if handle.tell():
            handle.seek(-1, 2)
            total += handle.read(1) != b"\n"
    return total


def _parquet_to_jsonl(source: Path, destination: Path) -> None:
    with destination.open("w", encoding="utf-8") as out:
        for line in read_lines(source):
            out.write(line + "\n")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z") if value.tzinfo else value.isoformat() + "Z"
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def arrow_type(flink_type: str) -> pa.DataType:
    """The Arrow type of a Flink SQL type, as the sink tables use them."""
    text = flink_type.upper().replace(" NOT NULL", "")
    if text.startswith("DECIMAL"):
        precision, scale = (int(part) for part in text[text.index("(") + 1:text.index(")")].split(","))
        return pa.decimal128(precision, scale)
    if text.startswith("TIMESTAMP"):
        # UTC without a zone mark, both kinds, as Flink's Parquet writer stores them (INT64 millis)
        return pa.timestamp("ms")
    if text.startswith("ARRAY<"):
        return pa.list_(arrow_type(text[len("ARRAY<"):-1]))
    simple = {"STRING": pa.string(), "VARCHAR(2147483647)": pa.string(), "BIGINT": pa.int64(),
              "INT": pa.int32(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_()}
    return simple[text]


def write_parquet(staged: Path, schema: pa.Schema, destination: Path, key: tuple[str, ...] = (),
                  latest_by: str = "") -> int:
    """Converts the staged JSON Lines files of one table into Parquet; returns the row count.

    With a `key`, the table is an upsert table (DynamoDB in streaming): only the row with the
    greatest `latest_by` per key is kept, as the streaming upsert would leave it (the files'
    own order is no guide: parallel writers). An empty result still gets a (zero-row) file, so
    readers always find the table."""
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    files = sorted(p for p in staged.rglob("*") if p.is_file() and not p.name.startswith((".", "_")))
    options = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
    tables = [pa_json.read_json(file, parse_options=options).select(schema.names) for file in files
              if file.stat().st_size > 0]
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    if key and table.num_rows:
        # Per key the row with the greatest `latest_by`, the later file row on a tie: sorted so,
        # the last row of each key group (an ordered aggregation needs a single thread).
        numbered = table.append_column("_row", pa.array(range(table.num_rows), pa.int64()))
        ordered = numbered.sort_by([(latest_by, "ascending"), ("_row", "ascending")])
        last = ordered.group_by(list(key), use_threads=False).aggregate([("_row", "last")])
        rows = last.column("_row_last")
        table = table.take(rows.take(pc.sort_indices(rows)))
    pq.write_table(table.cast(schema), destination / "part-00000.parquet", compression="zstd")
    return table.num_rows


def archive_rows(archive: Path) -> int:
    """The rows of a Parquet folder Flink wrote (Flink's part files; dt=/hour= partitions, if any)."""
    if not archive.exists():
        return 0
    return int(pa_dataset.dataset(archive, format="parquet", partitioning="hive",
                                  exclude_invalid_files=False).count_rows())


def table_rows(folder: Path, schema: pa.Schema) -> int:
    """The rows of a result table Flink wrote as Parquet; a table without a row (Flink then
    writes no file) gets a zero-row file, so readers always find it."""
    folder.mkdir(parents=True, exist_ok=True)
    if not any(p.is_file() and not p.name.startswith((".", "_")) for p in folder.iterdir()):
        pq.write_table(schema.empty_table(), folder / "part-00000.parquet", compression="zstd")
        return 0
    return archive_rows(folder)
