package org.cdrpipeline.flink.streams;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.types.Row;

/**
 * Pairs each row with the value of one of its columns, {@code (key, row)}: the form PyFlink's
 * KeyedStream hands its Python functions. PyFlink's own key_by builds the pair in a Python
 * operator of its own, so every record crossed into Python and back once more only to be
 * keyed; built here, the keyed Python function is the record's one crossing.
 */
public final class KeyFirst implements MapFunction<Row, Row>, ResultTypeQueryable<Row> {
    private static final long serialVersionUID = 1L;

    private final int keyColumn;
    private final TypeInformation<Row> pairType;

    /** {@code pairType}: ROW(key's type, the rows' type), as PyFlink's key_by declares it. */
    public KeyFirst(int keyColumn, TypeInformation<Row> pairType) {
        this.keyColumn = keyColumn;
        this.pairType = pairType;
    }

    @Override
    public Row map(Row row) {
        return Row.of(row.getField(keyColumn), row);
    }

    @Override
    public TypeInformation<Row> getProducedType() {
        return pairType;
    }
}
