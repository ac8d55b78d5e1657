"""The dead-letter store on S3 (or a file:// folder): Parquet in dt= partitions, written by the
job (sql/sinks/stream/dead_letter_store.sql) and by the Asterisk forwarder, read by the
operators' command (ops/dead_letters.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from pyarrow import fs


def location(path: str, region: str, endpoint: str) -> tuple[fs.FileSystem, str]:
    """The file system and folder of an s3:// (or file://) folder URI."""
    location = urlparse(path)
    if location.scheme == "file":
        return fs.LocalFileSystem(), location.path
    endpoint_url = urlparse(endpoint) if endpoint else None
    filesystem = fs.S3FileSystem(
        region=region,
        endpoint_override=endpoint_url.netloc if endpoint_url else None,
        scheme=endpoint_url.scheme if endpoint_url else "https")
    return filesystem, f"{location.netloc}{location.path}"


def open_store(path: str, *, region: str, endpoint: str = "") -> ds.Dataset:
    """The dead-letter store at an s3:// (or file://) folder URI, dt partitions as a column."""
    filesystem, folder = location(path, region, endpoint)
    return ds.dataset(folder, filesystem=filesystem, format="parquet", partitioning="hive")


STORE_SCHEMA = pa.schema([("raw_record", pa.string()), ("reason", pa.string()), ("detail", pa.string()),
                          ("record_id", pa.string()), ("source_stream", pa.string()),
                          ("source_partition", pa.string()), ("source_offset", pa.string()),
                          ("ingest_time", pa.timestamp("ms", tz="UTC"))])


def write_to_store(rows: list[dict[str, Any]], path: str, *, region: str, endpoint: str = "") -> None:
    """Dead letters found outside the job (the Asterisk forwarder's) into the same store, in its
    columns and dt= partitions: one Parquet file per call and date."""
    filesystem, folder = location(path, region, endpoint)
    for day in sorted({row["dt"] for row in rows}):
        table = pa.Table.from_pylist(
            [{**row, "ingest_time": datetime.fromisoformat(row["ingest_time"])} for row in rows if row["dt"] == day],
            schema=STORE_SCHEMA)
        filesystem.create_dir(f"{folder}/dt={day}", recursive=True)
        pq.write_table(table, f"{folder}/dt={day}/asterisk-{uuid.uuid4().hex}.parquet", filesystem=filesystem,
                       compression="zstd")
