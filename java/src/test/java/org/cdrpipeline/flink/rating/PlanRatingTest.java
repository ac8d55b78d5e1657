package org.cdrpipeline.flink.rating;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rating plans on the JVM, worked by hand as in tests/unit/test_tariff_plans.py (the same
 * plans; tests/integration/test_rating_agreement.py holds the two to each other at large).
 */
class PlanRatingTest {
    private static final String PLANS = String.join("\n",
            "default_plan: basic",
            "plans:",
            "  basic:",
            "    time_zone: UTC",
            "    versions:",
            "      - {valid_from: 2026-01-01, deck: basic, currency: EUR, tax_rate: '0.2', rounding: half_up,"
                    + " decimals: 2}",
            "  business:",
            "    time_zone: Europe/London",
            "    versions:",
            "      - valid_from: 2026-01-01",
            "        deck: business",
            "        currency: GBP",
            "        tax_rate: '0'",
            "        rounding: up",
            "        decimals: 2",
            "        holidays: [2026-12-25]",
            "        bands:",
            "          - {name: holiday, days: [holiday]}",
            "          - {name: peak, days: [mon, tue, wed, thu, fri], from: '08:00', to: '19:00'}",
            "          - {name: off_peak}", "");
    private static final String HEADER =
            "prefix,destination,band,from_s,increment_s,rate_per_minute,connect_fee,min_charge,max_cost\n";
    private static final Map<String, String> FILES = Map.of(
            "plans.yaml", PLANS,
            "decks/basic/2026-01-01.csv", HEADER + "44,United Kingdom,*,0,60,0.10,0.05,,\n"
                    + "44,United Kingdom,*,60,1,0.05,,,\n",
            "decks/basic/2026-02-01.csv", HEADER + "44,United Kingdom,*,0,60,0.20,0,,\n",
            "decks/business/2026-01-01.csv", HEADER + "44,United Kingdom,peak,0,60,0.12,0,0.20,\n"
                    + "44,United Kingdom,off_peak,0,60,0.03,0,,\n44,United Kingdom,holiday,0,60,0.01,0,,\n"
                    + "1,United States,*,0,1,0.60,0,,1.00\n",
            "assignments.csv", "subscriber_id,plan,valid_from\nacme,business,2026-01-01\n");

    private static PlanRating rate(String subscriber, String number, String answered, long talk) throws Exception {
        long at = Instant.parse(answered).toEpochMilli();
        return PlanRating.rate(TariffFiles.parse(FILES), subscriber, number, "GB", true, at, at, talk);
    }

    @Test
    void aSteppedRate() throws Exception {
        // 0.05 + 0.10 + 30 s x 0.05/60 = 0.175 exactly: 0.18 half up; tax 0.036 -> 0.04.
        PlanRating rating = rate("anyone", "+447700900123", "2026-01-10T12:00:00Z", 90);
        assertEquals(new BigDecimal("0.18"), rating.amount());
        assertEquals(new BigDecimal("0.04"), rating.tax());
        assertEquals("EUR", rating.currency());
    }

    @Test
    void aCallCrossingFromPeakIntoOffPeak() throws Exception {
        // 18:58 and 18:59 at 0.12, 19:00 to 19:02 at 0.03: 0.33; in July, 17:58 UTC is 18:58 BST.
        PlanRating march = rate("acme", "+447700900123", "2026-03-04T18:58:00Z", 300);
        assertEquals(new BigDecimal("0.33"), march.amount());
        assertEquals(List.of("peak", "off_peak"), march.bands());
        assertEquals(new BigDecimal("0.33"), rate("acme", "+447700900123", "2026-07-01T17:58:00Z", 300).amount());
    }

    @Test
    void versionsByTheCallsStart() throws Exception {
        assertEquals(new BigDecimal("0.20"), rate("anyone", "+447700900123", "2026-01-31T23:59:40Z", 120).amount());
        assertEquals(new BigDecimal("0.40"), rate("anyone", "+447700900123", "2026-02-01T00:00:10Z", 120).amount());
    }

    @Test
    void minimumChargeMaximumCostAndHolidays() throws Exception {
        assertEquals(new BigDecimal("0.20"), rate("acme", "+447700900123", "2026-03-04T10:00:00Z", 10).amount());
        assertEquals(new BigDecimal("1.00"), rate("acme", "+12025550123", "2026-03-04T10:00:00Z", 150).amount());
        assertEquals(new BigDecimal("0.03"), rate("acme", "+447700900123", "2026-12-25T10:00:00Z", 180).amount());
    }

    @Test
    void unknownSubscribersAndNumbers() throws Exception {
        PlanRating unknown = rate("nobody", "+33612345678", "2026-03-04T10:00:00Z", 60);
        assertEquals("basic", unknown.plan());
        assertTrue(!unknown.assigned());
        assertEquals(PlanRating.UNRATED_DESTINATION, unknown.error());
    }

    @Test
    void aProblemNamesItsFileAndLine() {
        Map<String, String> broken = new java.util.HashMap<>(FILES);
        broken.put("decks/business/2026-01-01.csv", HEADER + "44,United Kingdom,peak,0,60,0.12,0,,\n");
        TariffFiles.TariffException error = assertThrows(TariffFiles.TariffException.class,
                () -> TariffFiles.parse(broken));
        assertEquals("decks/business/2026-01-01.csv, line 2: prefix '44' has no rate for band(s) holiday, off_peak of"
                + " plan 'business' (version 2026-01-01); give them, or one for every band (*)", error.getMessage());
    }
}
