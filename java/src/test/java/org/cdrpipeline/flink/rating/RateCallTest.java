package org.cdrpipeline.flink.rating;

import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RATE_CALL's rows, worked by hand from domain/rating.py's rules (tests/unit/test_rating.py). */
class RateCallTest {
    private static final TariffTable TABLE = new TariffTable(
            "prefix,destination,rate_per_minute,connect_fee,initial_increment_s,subsequent_increment_s\n"
            + "44,United Kingdom,0.0730,0.0500,30,6\n");

    private static RowData rate(String number, String direction, boolean answered, long talkSeconds) {
        RateCall function = new RateCall(TABLE, new BigDecimal("0.20"));
        List<RowData> rows = new ArrayList<>();
        function.setCollector(new Collector<>() {
            @Override
            public void collect(RowData row) {
                rows.add(row);
            }

            @Override
            public void close() {}
        });
        function.eval(number, "GB", direction, answered, talkSeconds);
        assertEquals(1, rows.size());
        return rows.get(0);
    }

    private static BigDecimal money(RowData row, int column) {
        return row.getDecimal(column, 18, 6).toBigDecimal();
    }

    @Test
    void anAnsweredOutgoingCallIsPricedByIncrementsWithConnectFeeAndTax() {
        // 31 s: 30 s initial + one 6 s step = 36 s billable; 0.05 + 0.073 x 36 / 60 = 0.0938; tax 20 %
        RowData row = rate("+442079460958", "MOBILE_ORIGINATED", true, 31);
        assertEquals("44", row.getString(0).toString());
        assertEquals(36L, row.getLong(4));
        assertEquals(new BigDecimal("0.093800"), money(row, 5));
        assertEquals(new BigDecimal("0.018760"), money(row, 6));
        assertTrue(row.isNullAt(7));
    }

    @Test
    void unansweredIncomingAndUnpricedCallsCostNothing() {
        RowData unanswered = rate("+442079460958", "MOBILE_ORIGINATED", false, 0);
        assertEquals(0L, unanswered.getLong(4));
        assertEquals(0, BigDecimal.ZERO.compareTo(money(unanswered, 5)));
        RowData incoming = rate("+442079460958", "MOBILE_TERMINATED", true, 300);
        assertTrue(incoming.isNullAt(0) && incoming.isNullAt(7));
        assertEquals(0, BigDecimal.ZERO.compareTo(money(incoming, 5)));
        RowData unpriced = rate("+6561234567", "MOBILE_ORIGINATED", true, 60);
        assertEquals("UNRATED_DESTINATION", unpriced.getString(7).toString());
        assertEquals(0, BigDecimal.ZERO.compareTo(money(unpriced, 5)));
    }
}
