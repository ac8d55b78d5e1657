"""The tables of the S3 outputs for Athena and QuickSight, from the job's own column lists.

    python -m ops.glue_table --location s3://my-cdr-archive/cdr [--database cdr] ddl
    python -m ops.glue_table --location s3://my-cdr-archive/cdr table-input > table.json
    python -m ops.glue_table --table fraud_tagged_calls --location s3://my-cdr-archive/fraud-tagged ddl
    aws glue create-table --database-name cdr --table-input file://table.json

The columns come from sql/tables/<table>_columns.sql, the same list the job writes, so a table
cannot drift from its files. Partitions are found by partition projection (dt: a date from
2020-01-01 to today; the archive's hour: 00 to 23): no crawler, no MSCK REPAIR, a new
partition is queryable as soon as its first file is committed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from jobs.sql_files import SQL_ROOT

# table -> (partition keys, description)
TABLES = {
    "cdr_archive": (("dt", "hour"), "Raw CDR archive written by the CDR pipeline (one row per distinct valid record)"),
    "fraud_tagged_calls": (("dt",), "Call legs named by a fraud alert of the CDR pipeline, with the alert"),
}
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


def columns_of(table: str) -> list[tuple[str, str]]:
    """(name, Flink type) of every column of a result table, partition keys included, in file order."""
    source = SQL_ROOT / "tables" / f"{table}_columns.sql"
    text = "\n".join(line.split("--", 1)[0] for line in source.read_text(encoding="utf-8").splitlines())
    body = text[text.index("(") + 1:text.rindex(") WITH")]
    columns = []
    for definition in _split_top_level(body):
        name, flink_type = definition.split(None, 1)
        columns.append((name.strip("`"), flink_type.removesuffix(" NOT NULL")))
    return columns


def projection(location: str, keys: tuple[str, ...]) -> dict[str, str]:
    parameters = {
        "projection.enabled": "true",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": "2020-01-01,NOW",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
    }
    if "hour" in keys:
        parameters.update({"projection.hour.type": "enum",
                           "projection.hour.values": ",".join(f"{hour:02d}" for hour in range(24))})
    template = "/".join(f"{key}=${{{key}}}" for key in keys)
    return {**parameters, "storage.location.template": f"{location}/{template}", "parquet.compression": "ZSTD",
            "classification": "parquet"}


def table_input(location: str, table: str = "cdr_archive") -> dict[str, Any]:
    """The Glue TableInput (aws glue create-table, or AWS::Glue::Table's TableInput)."""
    location = location.rstrip("/")
    keys, description = TABLES[table]
    return {
        "Name": table,
        "Description": description,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"EXTERNAL": "TRUE", **projection(location, keys)},
        "PartitionKeys": [{"Name": key, "Type": "string"} for key in keys],
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": hive_type(t)} for n, t in columns_of(table) if n not in keys],
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
    parser = argparse.ArgumentParser(prog="python -m ops.glue_table", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--location", required=True, help="the archive folder: s3://bucket/prefix")
    parser.add_argument("--database", default="cdr")
    parser.add_argument("--table", dest="name", choices=sorted(TABLES), default="cdr_archive")
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
