"""A table handed to a keyed Python function, keyed by one of its columns on the JVM.

PyFlink's `key_by` computes the key in a Python operator of its own (it pairs each row with
its key and hands the pair back to the JVM, which partitions by it), so each record crossed
into Python and back once only to be keyed, then again for the keyed function. The pair is
built here by a Java map chained to the table's conversion (KeyFirst, in the job's jar), with
the same types and key selector PyFlink's `key_by` gives, so the keyed function and its state
see exactly what they saw before: the keyed function is a record's one crossing.
"""

from __future__ import annotations

from pyflink.common import Types
from pyflink.common.typeinfo import _from_java_type
from pyflink.datastream import DataStream, KeyedStream
from pyflink.java_gateway import get_gateway
from pyflink.table import StreamTableEnvironment, Table


def keyed_by_column(t_env: StreamTableEnvironment, table: Table, column: str) -> KeyedStream:
    """`table`'s rows keyed by its STRING `column`, as `t_env.to_data_stream(table).key_by(lambda
    row: row[column], key_type=Types.STRING())` would key them: a function keyed so sees the same
    keys, rows and state."""
    key_type = Types.STRING()
    rows = t_env.to_data_stream(table)
    j_rows = rows._j_data_stream
    row_type = _from_java_type(j_rows.getTransformation().getOutputType())
    gateway = get_gateway()
    key_first = gateway.jvm.org.cdrpipeline.flink.streams.KeyFirst(
        table.get_schema().get_field_names().index(column),
        Types.ROW([key_type, row_type]).get_java_type_info())
    j_pairs = j_rows.map(key_first).name(f"key by {column}")
    j_keyed = j_pairs.keyBy(gateway.jvm.KeyByKeySelector(), Types.ROW([key_type]).get_java_type_info())
    return KeyedStream(j_keyed, row_type, DataStream(j_rows))
