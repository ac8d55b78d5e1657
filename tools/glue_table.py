"""The archive's table for Athena and QuickSight, from the archive's own column list.

    python -m tools.glue_table --location s3://my-cdr-archive/cdr [--database cdr] ddl
    python -m tools.glue_table --location s3://my-cdr-archive/cdr table-input > table.json
    aws glue create-table --database-name cdr --table-input file://table.json

The columns come from sql/tables/cdr_archive_columns.sql, the same list the job writes, so the
table cannot drift from the files. Partitions are found by partition projection (dt: a date
from 2020-01-01 to today, hour: 00 to 23): no crawler, no MSCK REPAIR, a new hour is queryable as
soon as its first file is committed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from jobs.sql_files import SQL_ROOT

ARCHIVE_COLUMNS = SQL_ROOT / "tables" / "cdr_archive_columns.sql"
PARTITION_KEYS = ("dt", "hour")
_SIMPLE = {"STRING": "string", "DOUBLE": "double", "BIGINT": "bigint", "INT": "int", "BOOLEAN": "boolean",
           "TIMESTAMP_LTZ(3)": "timestamp", "TIMESTAMP(3)": "timestamp"}


def hive_type(flink_type: str) -> str:
    """The Glue/Hive type Athena reads a Flink-written Parquet column as."""
    text = " ".join(flink_type.upper().split())
    if text in _SIMPLE:
        return _SIMPLE[text]
    decimal = re.fullmatch(r"DECIMAL\((\d+), ?(\d+)\)", text)
    if decimal:
        return f"decimal({decimal.group(1)},{decimal.group(2)})"
    if text.startswith("ARRAY<") and text.endswith(">"):
        return f"array<{hive_type(text[6:-1])}>"
    raise ValueError(f"no Glue type for Flink type {flink_type!r}")


def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        depth += char in "(<"
        depth -= char in ")>"
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def archive_columns() -> list[tuple[str, str]]:
    """(name, Flink type) of every archive column, partition keys included, in file order."""
    text = "\n".join(line.split("--", 1)[0] for line in ARCHIVE_COLUMNS.read_text(encoding="utf-8").splitlines())
    body = text[text.index("(") + 1:text.rindex(") WITH")]
    columns = []
    for definition in _split_top_level(body):
        name, flink_type = definition.split(None, 1)
        columns.append((name.strip("`"), flink_type))
    return columns


def projection(location: str) -> dict[str, str]:
    return {
        "projection.enabled": "true",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": "2020-01-01,NOW",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        "projection.hour.type": "enum",
        "projection.hour.values": ",".join(f"{hour:02d}" for hour in range(24)),
        "storage.location.template": f"{location}/dt=${{dt}}/hour=${{hour}}",
        "parquet.compression": "ZSTD",
        "classification": "parquet",
    }


def table_input(location: str, name: str = "cdr_archive") -> dict[str, Any]:
    """The Glue TableInput (aws glue create-table, or AWS::Glue::Table's TableInput)."""
    location = location.rstrip("/")
    columns = archive_columns()
    return {
        "Name": name,
        "Description": "Raw CDR archive written by the CDR pipeline (one row per distinct valid record)",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"EXTERNAL": "TRUE", **projection(location)},
        "PartitionKeys": [{"Name": key, "Type": "string"} for key in PARTITION_KEYS],
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": hive_type(t)} for n, t in columns if n not in PARTITION_KEYS],
            "Location": location + "/",
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
        },
    }


def athena_ddl(location: str, database: str = "cdr", name: str = "cdr_archive") -> str:
    table = table_input(location, name)
    columns = ",\n".join(f"  `{c['Name']}` {c['Type']}" for c in table["StorageDescriptor"]["Columns"])
    partitions = ", ".join(f"`{k['Name']}` {k['Type']}" for k in table["PartitionKeys"])
    properties = ",\n".join(f"  '{k}' = '{v}'" for k, v in table["Parameters"].items() if k != "EXTERNAL")
    return (f"CREATE EXTERNAL TABLE IF NOT EXISTS `{database}`.`{name}` (\n{columns}\n)\n"
            f"PARTITIONED BY ({partitions})\nSTORED AS PARQUET\n"
            f"LOCATION '{table['StorageDescriptor']['Location']}'\nTBLPROPERTIES (\n{properties}\n)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.glue_table", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--location", required=True, help="the archive folder: s3://bucket/prefix")
    parser.add_argument("--database", default="cdr")
    parser.add_argument("--name", default="cdr_archive")
    parser.add_argument("what", choices=("ddl", "table-input"))
    args = parser.parse_args(argv)
    if not args.location.startswith("s3://"):
        parser.error("--location must be an s3://bucket/prefix URI")
    if args.what == "ddl":
        print(athena_ddl(args.location, args.database, args.name))
    else:
        print(json.dumps(table_input(args.location, args.name), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
