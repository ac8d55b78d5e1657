package org.cdrpipeline.flink.cdr;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.DeserializationFeature;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Set;

/**
 * Parses and checks one raw CDR: every field of the contract flattened into a row, or the
 * reject reason. The rules are those of domain/cdr.py, which stays the reference (a test runs
 * both over the same records and requires the same verdicts). Numbers in national or 00/011
 * form are normalised to E.164 with libphonenumber, the library Python's phonenumbers ports.
 *
 * <p>Every check happens here, before the watermark: a record that will be rejected never
 * moves event time (see CdrEventTime).
 *
 * <p>The last result is kept per thread: the source's event-time column (CDR_EVENT_TIME) and
 * PARSE_CDR run on the same record one after the other in one task thread, so each record is
 * parsed once.
 */
final class CdrParser {
    /** Column order and types are those of domain.cdr.flat_columns() (a test holds them equal). */
    static final String OUTPUT_TYPE = "ROW<"
            + "call_id STRING, record_id STRING, record_type STRING,"
            + " start_time TIMESTAMP_LTZ(3), answer_time TIMESTAMP_LTZ(3), end_time TIMESTAMP_LTZ(3),"
            + " duration_s DOUBLE, switch_billable_s DOUBLE,"
            + " calling_number STRING, calling_number_type STRING, subscriber_id STRING,"
            + " calling_country STRING, calling_city STRING, calling_lat DOUBLE, calling_lon DOUBLE,"
            + " called_number STRING, called_number_type STRING, called_destination STRING,"
            + " called_subscriber_id STRING,"
            + " call_type STRING, call_direction STRING, termination_reason STRING,"
            + " sip_from_uri STRING, sip_to_uri STRING, sip_call_id STRING, sip_user_agent STRING,"
            + " sip_codec STRING, sip_ip STRING, sip_response_code BIGINT,"
            + " qos_jitter_ms DOUBLE, qos_packet_loss_pct DOUBLE, qos_latency_ms DOUBLE, qos_mos DOUBLE,"
            + " cost_currency STRING, cost_amount DECIMAL(18, 6), cost_per_minute_rate DECIMAL(18, 6),"
            + " cost_tax_amount DECIMAL(18, 6),"
            + " server_node STRING, recording_id STRING, tags ARRAY<STRING>,"
            + " linked_id STRING, leg_sequence BIGINT, bytes_sent BIGINT, bytes_received BIGINT,"
            + " progress_time TIMESTAMP_LTZ(3), hangup_cause BIGINT, trunk STRING,"
            + " reject_reason STRING, reject_detail STRING>";
    static final int COLUMNS = 49;
    static final int START_TIME = 3;
    static final int END_TIME = 5;
    static final int MAX_RECORD_CHARS = 65_536;

    static final Set<String> RECORD_TYPES = Set.of("START", "STOP", "INTERIM", "EVENT");
    static final Set<String> CALLING_TYPES = Set.of("MOBILE", "LANDLINE", "VOIP");
    static final String SERVICE = "SERVICE";
    static final Set<String> CALLED_TYPES = Set.of("MOBILE", "LANDLINE", "VOIP", "INTERNATIONAL", SERVICE);
    static final Set<String> CALL_TYPES = Set.of("VOICE", "VIDEO", "CONFERENCE");
    static final Set<String> DIRECTIONS = Set.of("MOBILE_ORIGINATED", "MOBILE_TERMINATED");
    static final Set<String> TERMINATIONS = Set.of("NORMAL", "BUSY", "NO_ANSWER", "FAILED", "CANCELLED");


    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final ThreadLocal<Object[]> LAST = ThreadLocal.withInitial(() -> new Object[2]);

    private CdrParser() {}

    /**
     * The parsed row of `line` (never null; a rejected record carries reject_reason). Takes
     * Flink's internal string: its UTF-8 bytes go to the JSON parser without a decode.
     */
    static GenericRowData parse(StringData line) {
        Object[] last = LAST.get();
        if (line != null && line.equals(last[0])) {
            return (GenericRowData) last[1];
        }
        Object[] values = new Object[COLUMNS];
        try {
            parse(line, values);
        } catch (Reject reject) {
            values = new Object[COLUMNS];
            values[COLUMNS - 2] = reject.code;
            values[COLUMNS - 1] = reject.getMessage();
        }
        GenericRowData row = toRowData(values);
        last[0] = line;
        last[1] = row;
        return row;
    }

    static boolean rejected(GenericRowData row) {
        return !row.isNullAt(COLUMNS - 2);
    }

    private static String message(IOException e) {
        return e instanceof JsonProcessingException ? ((JsonProcessingException) e).getOriginalMessage()
                : e.getMessage();
    }

    /** Flink's internal row: handed to the planner as is, without a per-field conversion. */
    private static GenericRowData toRowData(Object[] values) {
        GenericRowData row = new GenericRowData(COLUMNS);
        for (int i = 0; i < COLUMNS; i++) {
            Object value = values[i];
            if (value instanceof String) {
                value = StringData.fromString((String) value);
            } else if (value instanceof Instant) {
                value = TimestampData.fromInstant((Instant) value);
            } else if (value instanceof BigDecimal) {
                value = DecimalData.fromBigDecimal((BigDecimal) value, 18, 6);
            } else if (value instanceof String[]) {
                String[] texts = (String[]) value;
                StringData[] data = new StringData[texts.length];
                for (int j = 0; j < texts.length; j++) {
                    data[j] = StringData.fromString(texts[j]);
                }
                value = new GenericArrayData(data);
            }
            row.setField(i, value);
        }
        return row;
    }

    private static void parse(StringData line, Object[] row) throws Reject {
        byte[] bytes = line == null ? new byte[0] : line.toBytes();
        if (bytes.length > MAX_RECORD_CHARS) { // more bytes than characters: check the characters
            int characters = line.toString().length();
            if (characters > MAX_RECORD_CHARS) {
                throw new Reject("RECORD_TOO_LARGE", "the record has " + characters + " characters, over "
                        + MAX_RECORD_CHARS);
            }
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new Reject("NOT_JSON", "not JSON: " + message(e));
        }
        if (root == null || root.isMissingNode()) { // nothing but JSON whitespace
            throw new Reject("EMPTY_RECORD", "the record is empty");
        }
        if (!root.isObject()) {
            throw new Reject("NOT_OBJECT", "JSON, but not an object");
        }
        Fields cdr = new Fields(root, "");
        String callId = cdr.id("callId", true);
        row[0] = callId;
        row[1] = cdr.id("recordId", true);
        String recordType = cdr.oneOf("recordType", true, RECORD_TYPES);
        row[2] = recordType;
        Instant start = cdr.timestamp("startTime", true);
        Instant answer = cdr.timestamp("answerTime", false);
        Instant end = cdr.timestamp("endTime", false);
        row[3] = start;
        row[4] = answer;
        row[5] = end;
        row[6] = cdr.number("duration", 0, Fields.MAX_MEASURE);
        row[7] = cdr.number("billableSeconds", 0, Fields.MAX_MEASURE);

        Fields calling = cdr.object("callingParty", true);
        phoneNumber(calling, row, 8);
        row[9] = calling.oneOf("numberType", false, CALLING_TYPES);
        row[10] = calling.id("subscriberId", true);
        Fields location = calling.object("location", false);
        if (location != null) {
            row[11] = location.country("country");
            row[12] = location.text("city", false, Fields.MAX_ID);
            Fields coordinates = location.object("coordinates", false);
            if (coordinates != null) {
                row[13] = coordinates.number("lat", -90, 90);
                row[14] = coordinates.number("lon", -180, 180);
            }
        }
        Fields called = cdr.object("calledParty", true);
        phoneNumber(called, row, 15);
        row[16] = called.oneOf("numberType", false, CALLED_TYPES);
        row[17] = called.text("destination", false, Fields.MAX_ID);
        row[18] = called.id("subscriberId", false);

        row[19] = cdr.oneOf("callType", true, CALL_TYPES);
        row[20] = cdr.oneOf("callDirection", true, DIRECTIONS);
        String termination = cdr.oneOf("terminationReason", false, TERMINATIONS);
        row[21] = termination;

        Fields sip = cdr.object("sipData", false);
        if (sip != null) {
            row[22] = sip.text("fromUri", false, Fields.MAX_TEXT);
            row[23] = sip.text("toUri", false, Fields.MAX_TEXT);
            row[24] = sip.text("callIdHeader", false, Fields.MAX_TEXT);
            row[25] = sip.text("userAgent", false, Fields.MAX_TEXT);
            row[26] = sip.text("codec", false, Fields.MAX_ID);
            row[27] = sip.text("ipAddress", false, Fields.MAX_ID);
            row[28] = sip.integer("responseCode", 100, 699);
        }
        Fields qos = cdr.object("qos", false);
        if (qos != null) {
            row[29] = qos.number("jitter", 0, Fields.MAX_MEASURE);
            row[30] = qos.number("packetLoss", 0, 100);
            row[31] = qos.number("latency", 0, Fields.MAX_MEASURE);
            row[32] = qos.number("mos", 1, 5);
        }
        Fields cost = cdr.object("cost", false);
        if (cost != null) {
            row[33] = cost.currency("currency");
            row[34] = cost.money("amount");
            row[35] = cost.money("perMinuteRate");
            row[36] = cost.money("taxAmount");
        }
        Fields metadata = cdr.object("metadata", false);
        if (metadata != null) {
            row[37] = metadata.id("serverNode", false);
            row[38] = metadata.id("recordingId", false);
            row[39] = metadata.texts("tags");
        }
        row[40] = cdr.id("linkedId", false); // null when absent: the leg is a call by itself
        row[41] = cdr.integer("legSequence", 0);
        Fields data = cdr.object("dataUsage", false);
        if (data != null) {
            row[42] = data.integer("bytesSent", 0);
            row[43] = data.integer("bytesReceived", 0);
        }

        row[44] = cdr.timestamp("progressTime", false);
        row[45] = cdr.integer("hangupCause", 0, 127);
        row[46] = cdr.id("trunk", false);

        if ("STOP".equals(recordType)) {
            if (end == null) {
                throw new Reject("MISSING_FIELD", "endTime is required on STOP records");
            }
            if (termination == null) {
                throw new Reject("MISSING_FIELD", "terminationReason is required on STOP records");
            }
        }
        if (end != null && end.isBefore(start)) {
            throw new Reject("END_BEFORE_START", "endTime is before startTime");
        }
        if (answer != null && (answer.isBefore(start) || (end != null && answer.isAfter(end)))) {
            throw new Reject("ANSWER_OUTSIDE_CALL", "answerTime is outside startTime..endTime");
        }
        Instant progress = (Instant) row[44];
        if (progress != null && (progress.isBefore(start) || (answer != null && progress.isAfter(answer))
                || (end != null && progress.isAfter(end)))) {
            throw new Reject("PROGRESS_OUTSIDE_CALL", "progressTime is outside startTime..answerTime (or endTime)");
        }
        String region = (String) row[11];
        try {
            row[8] = Numbering.normalise((String) row[8], region);
        } catch (Numbering.NumberException e) {
            throw new Reject("INVALID_NUMBER", "callingParty.number " + e.getMessage());
        }
        calledNumber(row, region);
    }

    /**
     * The called number: a declared SERVICE number kept as dialled; an undeclared one the
     * caller's country knows as a service number (Numbering.isService) typed SERVICE; any other
     * in E.164, normalised when dialled from `region` (ISO 3166-1).
     */
    private static void calledNumber(Object[] row, String region) throws Reject {
        String number = (String) row[15];
        try {
            if (SERVICE.equals(row[16])) {
                Numbering.checkService(number);
            } else if (Numbering.isService(number, region)) {
                row[16] = SERVICE;
            } else {
                row[15] = Numbering.normalise(number, region);
            }
        } catch (Numbering.NumberException e) {
            throw new Reject("INVALID_NUMBER", "calledParty.number " + e.getMessage());
        }
    }

    /** Puts the number in its column as sent; it is normalised once every field is checked. */
    private static void phoneNumber(Fields party, Object[] row, int position) throws Reject {
        String number = party.text("number", true, 64);
        if (!Numbering.mayBeNumber(number)) {
            // worded as domain/cdr.py words it (the agreement test compares numbering details)
            throw new Reject("INVALID_NUMBER", party.name("number") + ": not a telephone number: '" + number + "'");
        }
        row[position] = number;
    }
}
