"""The file ends of a replay, on the local disk or on S3 alike: what a replay may read, and
the result tables Flink wrote.

Flink reads the input itself (sql/sources/replay/): JSON Lines as raw text, so no bad line
is ever lost, and Parquet files that keep each record's raw text in a `raw_record`, `raw` or
`line` column, as the S3 archive and the dead-letter store do. Which file is which is told by
its name, by the two patterns below, which the source tables are given too. Results are
Parquet that Flink writes straight into the output folder; nothing is staged anywhere.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.dataset as pa_dataset
import pyarrow.fs as pa_fs
import pyarrow.parquet as pq

from stream_io.properties import ConfigError

# Matched against a file's whole path, as Flink's 'source.path.regex-pattern' matches it.
LINES_PATTERN = r".*\.(jsonl|json|ndjson)"
# Parquet: *.parquet, and Flink's own part files (the archive's), which have no suffix.
STORED_PATTERN = r".*/([^/.]+|[^/]+\.parquet)"
RAW_COLUMNS = ("raw_record", "raw", "line")


@dataclass(frozen=True)
class Location:
    """A folder (or file) of a replay, as Flink names it (`uri`) and as pyarrow reaches it."""

    uri: str
    filesystem: pa_fs.FileSystem
    path: str

    @classmethod
    def of(cls, text: str | Path, s3_endpoint: str = "") -> Location:
        """A local path or file:// URI, or an s3:// (s3a://) one; `s3_endpoint` is an S3
        emulator's URL (Flink's `s3.endpoint`), empty on AWS."""
        text = str(text)
        scheme = urlsplit(text).scheme
        if scheme in ("", "file"):
            local = Path(text.removeprefix("file://")).resolve()
            return cls(local.as_uri(), pa_fs.LocalFileSystem(), str(local))
        if scheme not in ("s3", "s3a"):
            raise ConfigError(text, "is neither a local path nor an s3:// URI")
        path = text.split("://", 1)[1].rstrip("/")
        if s3_endpoint:
            endpoint = urlsplit(s3_endpoint)
            filesystem = pa_fs.S3FileSystem(endpoint_override=endpoint.netloc, scheme=endpoint.scheme or "https",
                                            region="us-east-1")
        else:  # on AWS: the default credential chain, the bucket's own region
            filesystem = pa_fs.S3FileSystem(region=pa_fs.resolve_s3_region(path.split("/", 1)[0]))
        return cls(f"{scheme}://{path}", filesystem, path)

    def child(self, name: str) -> Location:
        return Location(f"{self.uri}/{name}", self.filesystem, f"{self.path}/{name}")

    def files(self) -> list[str]:
        """Every file at this location (itself, if a file) that Flink would read: hidden ones
        (a name starting with '.' or '_', or under such a folder) left out."""
        info = self.filesystem.get_file_info(self.path)
        if info.type == pa_fs.FileType.File:
            return [self.path]
        if info.type != pa_fs.FileType.Directory:
            return []
        found = self.filesystem.get_file_info(pa_fs.FileSelector(self.path, recursive=True))
        return sorted(item.path for item in found if item.type == pa_fs.FileType.File and not any(
            part.startswith((".", "_")) for part in item.path[len(self.path):].split("/")))

    def clear(self) -> None:
        """Removes what an earlier run left here (Flink adds files to a folder)."""
        if self.filesystem.get_file_info(self.path).type == pa_fs.FileType.Directory:
            self.filesystem.delete_dir_contents(self.path)


@dataclass(frozen=True)
class ReplayInput:
    lines_files: list[str]  # JSON Lines
    stored_files: list[str]  # Parquet with the records' raw text


def survey_input(location: Location) -> ReplayInput:
    """The files a replay will read at `location`, checked before Flink starts: there must be
    some, and every Parquet file must keep its records' raw text."""
    files = location.files()
    lines = [file for file in files if re.fullmatch(LINES_PATTERN, "/" + file)]
    stored = [file for file in files if re.fullmatch(STORED_PATTERN, "/" + file)]
    if not lines and not stored:
        raise FileNotFoundError(f"replay input {location.uri} holds no .jsonl/.json/.ndjson/.parquet file "
                                "(nor a Parquet part file without a suffix)")
    for file in stored:
        columns = pq.read_schema(location.filesystem.open_input_file(file)).names
        if not set(columns) & set(RAW_COLUMNS):
            raise ConfigError(f"{location.uri}: {file}", f"has none of the columns {', '.join(RAW_COLUMNS)} that "
                              "keep a record's raw text (as the archive and the dead letters do); a replay "
                              "reads records as they arrived")
    return ReplayInput(lines, stored)


def read_lines(location: Location) -> Iterator[str]:
    """The records of a replay's input as raw text, file by file, as the replay reads them (an
    independent reading for ops/reconcile.py)."""
    survey = survey_input(location)
    for file in survey.lines_files:
        with location.filesystem.open_input_stream(file) as handle, \
                io.TextIOWrapper(handle, encoding="utf-8", newline="\n") as text:
            yield from (line.removesuffix("\n") for line in text)
    for file in survey.stored_files:
        table = pq.read_table(location.filesystem.open_input_file(file))
        raw = next(name for name in RAW_COLUMNS if name in table.column_names)
        yield from ("" if line is None else line for line in table.column(raw).to_pylist())


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


def dataset(location: Location) -> pa_dataset.Dataset:
    """A Parquet folder Flink wrote, as one table (its part files; dt=/hour= partitions, if any)."""
    return pa_dataset.dataset(location.path, filesystem=location.filesystem, format="parquet",
                              partitioning="hive", exclude_invalid_files=False)


def rows(location: Location) -> int:
    """The rows of a Parquet folder Flink wrote; 0 if it wrote none."""
    return int(dataset(location).count_rows()) if location.files() else 0


def table_rows(location: Location, schema: pa.Schema) -> int:
    """The rows of a result table Flink wrote as Parquet; a table without a row (Flink then
    writes no file) gets a zero-row file, so readers always find it."""
    if not location.files():
        location.filesystem.create_dir(location.path)
        with location.filesystem.open_output_stream(f"{location.path}/part-00000.parquet") as out:
            pq.write_table(schema.empty_table(), out, compression="zstd")
        return 0
    return rows(location)
