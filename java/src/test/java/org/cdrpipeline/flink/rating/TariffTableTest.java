package org.cdrpipeline.flink.rating;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The lookups of domain/rating.py's TariffTable, worked by hand (tests/unit/test_rating.py). */
class TariffTableTest {
    private static final TariffTable TABLE = new TariffTable(
            "prefix,destination,rate_per_minute,connect_fee,initial_increment_s,subsequent_increment_s\n"
            + "1,United States,0.0100,0,60,60\n"
            + "1900,US premium,1.9900,0.5000,60,60\n"
            + "44,United Kingdom,0.0730,0,30,6\n"
            + "GB:118,UK directory enquiries,2.4500,2.0000,60,60\n"
            + "GB:1181,UK directory (one provider),1.0000,0,1,1\n");

    @Test
    void e164NumbersTakeTheLongestDigitPrefix() {
        assertEquals("1900", TABLE.lookup("+19005550100", "GB").prefix);
        assertEquals("1", TABLE.lookup("+12015550123", null).prefix);
        assertNull(TABLE.lookup("+6561234567", "GB"));
    }

    @Test
    void serviceNumbersTakeTheirCountrysEntriesAndAreFreeOtherwise() {
        TariffTable.Tariff directory = TABLE.lookup("118055", "GB");
        assertEquals("GB:118", directory.prefix);
        // 90 s talk -> 120 s billable (60/60): 2.00 + 2.45 x 2 = 6.90
        assertEquals(new BigDecimal("6.900000"), directory.amount(directory.billableSeconds(90)));
        assertEquals("GB:1181", TABLE.lookup("118118", "GB").prefix);
        TariffTable.Tariff emergency = TABLE.lookup("999", "GB");
        assertEquals("GB:", emergency.prefix);
        assertEquals(0, BigDecimal.ZERO.compareTo(emergency.amount(emergency.billableSeconds(300))));
        assertEquals("FR:", TABLE.lookup("118118", "FR").prefix);  // GB's entries are GB's only
        assertEquals(":", TABLE.lookup("*97", null).prefix);
    }
}
