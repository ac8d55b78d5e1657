package org.cdrpipeline.flink.streams;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.types.Row;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class KeyFirstTest {
    private final TypeInformation<Row> rows = Types.ROW_NAMED(new String[] {"record_id", "subscriber_id"},
            Types.STRING, Types.STRING);
    private final TypeInformation<Row> pairs = Types.ROW(Types.STRING, rows);

    @Test
    void eachRowIsPairedWithItsKeyColumnsValueAndKeptWhole() throws Exception {
        Row row = Row.of("r-1", "sub-7");
        Row pair = new KeyFirst(1, pairs).map(row);
        assertEquals(2, pair.getArity());
        assertEquals("sub-7", pair.getField(0));
        assertSame(row, pair.getField(1));
    }

    @Test
    void aMissingKeyStaysNullAsPyFlinksKeyByWouldHandIt() throws Exception {
        assertEquals(null, new KeyFirst(1, pairs).map(Row.of("r-2", null)).getField(0));
    }

    @Test
    void thePairsAreDeclaredWithTheTypeGiven() {
        assertEquals(pairs, new KeyFirst(0, pairs).getProducedType());
    }
}
