package org.cdrpipeline.flink.cdr;

import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parser on hand-written records (docs/cdr-record.md). Its agreement with domain/cdr.py over
 * generated and mutated records is tests/integration/test_parse_agreement.py's.
 */
class CdrParserTest {
    private static final String STOP = "{\"callId\":\"c-1\",\"recordId\":\"c-1:STOP:2\",\"recordType\":\"STOP\","
            + "\"startTime\":\"2026-11-01T00:12:59.757Z\",\"endTime\":\"2026-11-01T00:13:07.100Z\","
            + "\"duration\":7.343,\"billableSeconds\":0,\"terminationReason\":\"BUSY\","
            + "\"callingParty\":{\"number\":\"+353850124391\",\"numberType\":\"MOBILE\","
            + "\"subscriberId\":\"sub-000001\",\"location\":{\"country\":\"IE\"}},"
            + "\"calledParty\":{\"number\":\"CALLED\",\"numberType\":\"MOBILE\",\"destination\":\"IE\"},"
            + "\"callType\":\"VOICE\",\"callDirection\":\"MOBILE_ORIGINATED\","
            + "\"sipData\":{\"fromUri\":\"sip:+353850124391@voip.example.net\","
            + "\"toUri\":\"sip:+353850121586@voip.example.net\",\"callIdHeader\":\"c-1@pbx\","
            + "\"userAgent\":\"Grandstream GXP2170\",\"codec\":\"G.722\",\"ipAddress\":\"198.51.100.219\"},"
            + "\"metadata\":{\"serverNode\":\"pbx-eu-1\",\"tags\":[]}}";

    private static GenericRowData parse(String line) {
        return CdrParser.parse(StringData.fromString(line));
    }

    private static String text(GenericRowData row, int column) {
        return row.isNullAt(column) ? null : row.getString(column).toString();
    }

    private static String reason(GenericRowData row) {
        return text(row, CdrParser.COLUMNS - 2);
    }

    @Test
    void aValidStopKeepsItsFieldsAndCarriesNoReason() {
        GenericRowData row = parse(STOP.replace("CALLED", "+353850121586"));
        assertFalse(CdrParser.rejected(row), () -> text(row, CdrParser.COLUMNS - 1));
        assertEquals("c-1", text(row, 0));
        assertEquals("STOP", text(row, 2));
        assertEquals("+353850121586", text(row, 15));
        assertEquals(1_793_491_987_100L, row.getTimestamp(CdrParser.END_TIME, 3).getMillisecond());
    }

    @Test
    void aNationalNumberIsWrittenInE164FromTheCallersCountry() {
        assertEquals("+353850121586", text(parse(STOP.replace("CALLED", "0850121586")), 15));
    }

    @Test
    void anImpossibleNumberIsRejectedWithTheFieldAndWhy() {
        GenericRowData row = parse(STOP.replace("CALLED", "+35385"));
        assertTrue(CdrParser.rejected(row));
        assertEquals("INVALID_NUMBER", reason(row));
        String detail = text(row, CdrParser.COLUMNS - 1);
        assertTrue(detail.startsWith("calledParty.number") && detail.contains("too short"), detail);
    }

    @Test
    void brokenInputIsRejectedNeverThrown() {
        assertEquals("NOT_JSON", reason(parse("{\"callId\":")));
        assertEquals("EMPTY_RECORD", reason(parse("")));
        assertEquals("RECORD_TOO_LARGE", reason(parse("x".repeat(CdrParser.MAX_RECORD_CHARS + 1))));
        assertEquals("MISSING_FIELD", reason(parse(STOP.replace("CALLED", "+353850121586")
                .replace("\"callId\":\"c-1\",", ""))));
    }

    @Test
    void theRouteQualityExtensionsAreReadAndChecked() {
        String valid = STOP.replace("CALLED", "+353850121586")
                .replace("\"ipAddress\":\"198.51.100.219\"", "\"ipAddress\":\"198.51.100.219\",\"responseCode\":486")
                .replace("\"callType\"", "\"progressTime\":\"2026-11-01T00:13:01.250Z\",\"hangupCause\":17,"
                        + "\"trunk\":\"carrier-b\",\"callType\"");
        GenericRowData row = parse(valid);
        assertFalse(CdrParser.rejected(row), () -> text(row, CdrParser.COLUMNS - 1));
        assertEquals(486L, row.getLong(28));
        assertEquals(1_793_491_981_250L, row.getTimestamp(44, 3).getMillisecond());
        assertEquals(17L, row.getLong(45));
        assertEquals("carrier-b", text(row, 46));
        assertEquals("INVALID_VALUE", reason(parse(valid.replace("\"responseCode\":486", "\"responseCode\":99"))));
        assertEquals("INVALID_VALUE", reason(parse(valid.replace("\"hangupCause\":17", "\"hangupCause\":128"))));
        assertEquals("NEGATIVE_VALUE", reason(parse(valid.replace("\"hangupCause\":17", "\"hangupCause\":-1"))));
        assertEquals("WRONG_TYPE", reason(parse(valid.replace("\"hangupCause\":17", "\"hangupCause\":17.5"))));
        assertEquals("PROGRESS_OUTSIDE_CALL", reason(parse(valid.replace("00:13:01.250Z", "00:13:08.000Z"))));
        assertEquals("PROGRESS_OUTSIDE_CALL", reason(parse(valid.replace("00:13:01.250Z", "00:12:59.000Z"))));
    }
}
