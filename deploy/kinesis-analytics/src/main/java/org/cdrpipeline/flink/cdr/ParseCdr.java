package org.cdrpipeline.flink.cdr;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.DeserializationFeature;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.functions.TableFunction;
import org.apache.flink.types.Row;

import java.time.Instant;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * PARSE_CDR(line): one JSON parse per record, every field of the CDR contract flattened into
 * columns, plus a reject reason when the record breaks the contract. Never throws: a bad record
 * is data (reject_reason, reject_detail), not a failed job.
 *
 * <p>Why Java: it is the hot path of every record, and the Python boundary costs ~5x here. The
 * rules are those of udfs/cdr.py, which stays the reference; a test runs both over the same
 * records. Numbers not already in E.164 form are flagged (needs_e164) for the Python
 * normaliser (phonenumbers), which sees only those few records.
 */
@FunctionHint(output = @DataTypeHint(ParseCdr.OUTPUT_TYPE))
public final class ParseCdr extends TableFunction<Row> {
    private static final long serialVersionUID = 1L;

    /** Column order and types are those of udfs.cdr.flat_columns() (a test holds them equal). */
    static final String OUTPUT_TYPE = "ROW<"
            + "call_id STRING, record_id STRING, record_type STRING,"
            + " start_time TIMESTAMP_LTZ(3), answer_time TIMESTAMP_LTZ(3), end_time TIMESTAMP_LTZ(3),"
            + " duration_s DOUBLE, switch_billable_s DOUBLE,"
            + " calling_number STRING, calling_number_type STRING, subscriber_id STRING,"
            + " calling_country STRING, calling_city STRING, calling_lat DOUBLE, calling_lon DOUBLE,"
            + " called_number STRING, called_number_type STRING, called_destination STRING,"
            + " call_type STRING, call_direction STRING, termination_reason STRING,"
            + " sip_from_uri STRING, sip_to_uri STRING, sip_call_id STRING, sip_user_agent STRING,"
            + " sip_codec STRING, sip_ip STRING,"
            + " qos_jitter_ms DOUBLE, qos_packet_loss_pct DOUBLE, qos_latency_ms DOUBLE, qos_mos DOUBLE,"
            + " cost_currency STRING, cost_amount DECIMAL(18, 6), cost_per_minute_rate DECIMAL(18, 6),"
            + " cost_tax_amount DECIMAL(18, 6),"
            + " server_node STRING, recording_id STRING, tags ARRAY<STRING>,"
            + " linked_id STRING, leg_sequence BIGINT, bytes_sent BIGINT, bytes_received BIGINT,"
            + " needs_e164 BOOLEAN, reject_reason STRING, reject_detail STRING>";
    static final int COLUMNS = 45;
    static final int MAX_RECORD_CHARS = 65_536;

    private static final Set<String> RECORD_TYPES = Set.of("START", "STOP", "INTERIM", "EVENT");
    private static final Set<String> CALLING_TYPES = Set.of("MOBILE", "LANDLINE", "VOIP");
    private static final Set<String> CALLED_TYPES = Set.of("MOBILE", "LANDLINE", "VOIP", "INTERNATIONAL");
    private static final Set<String> CALL_TYPES = Set.of("VOICE", "VIDEO", "CONFERENCE");
    private static final Set<String> DIRECTIONS = Set.of("MOBILE_ORIGINATED", "MOBILE_TERMINATED");
    private static final Set<String> TERMINATIONS = Set.of("NORMAL", "BUSY", "NO_ANSWER", "FAILED", "CANCELLED");
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");
    /** What a national or 00/011-prefixed number may look like before normalisation. */
    private static final Pattern DIALABLE = Pattern.compile("\\+?[0-9(][0-9 ()./-]{2,30}");

    private transient ObjectMapper mapper;

    public void eval(String line) {
        if (mapper == null) {
            mapper = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        }
        Row row = Row.withPositions(COLUMNS);
        try {
            parse(line, row);
        } catch (Reject reject) {
            row = Row.withPositions(COLUMNS);
            row.setField(COLUMNS - 2, reject.code);
            row.setField(COLUMNS - 1, reject.getMessage());
        }
        collect(row);
    }

    private void parse(String line, Row row) throws Reject {
        if (line == null || line.isBlank()) {
            throw new Reject("EMPTY_RECORD", "the record is empty");
        }
        if (line.length() > MAX_RECORD_CHARS) {
            throw new Reject("RECORD_TOO_LARGE", "the record has " + line.length() + " characters, over "
                    + MAX_RECORD_CHARS);
        }
        JsonNode root;
        try {
            root = mapper.readTree(line);
        } catch (JsonProcessingException e) {
            throw new Reject("NOT_JSON", "not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new Reject("NOT_OBJECT", "JSON, but not an object");
        }
        Fields cdr = new Fields(root, "");
        String callId = cdr.id("callId", true);
        row.setField(0, callId);
        row.setField(1, cdr.id("recordId", true));
        String recordType = cdr.oneOf("recordType", true, RECORD_TYPES);
        row.setField(2, recordType);
        Instant start = cdr.timestamp("startTime", true);
        Instant answer = cdr.timestamp("answerTime", false);
        Instant end = cdr.timestamp("endTime", false);
        row.setField(3, start);
        row.setField(4, answer);
        row.setField(5, end);
        row.setField(6, cdr.number("duration", 0, Fields.MAX_MEASURE));
        row.setField(7, cdr.number("billableSeconds", 0, Fields.MAX_MEASURE));

        Fields calling = cdr.object("callingParty", true);
        boolean callingE164 = phoneNumber(calling, row, 8);
        row.setField(9, calling.oneOf("numberType", false, CALLING_TYPES));
        row.setField(10, calling.id("subscriberId", true));
        Fields location = calling.object("location", false);
        if (location != null) {
            row.setField(11, location.country("country"));
            row.setField(12, location.text("city", false, Fields.MAX_ID));
            Fields coordinates = location.object("coordinates", false);
            if (coordinates != null) {
                row.setField(13, coordinates.number("lat", -90, 90));
                row.setField(14, coordinates.number("lon", -180, 180));
            }
        }
        Fields called = cdr.object("calledParty", true);
        boolean calledE164 = phoneNumber(called, row, 15);
        row.setField(16, called.oneOf("numberType", false, CALLED_TYPES));
        row.setField(17, called.text("destination", false, Fields.MAX_ID));

        row.setField(18, cdr.oneOf("callType", true, CALL_TYPES));
        row.setField(19, cdr.oneOf("callDirection", true, DIRECTIONS));
        String termination = cdr.oneOf("terminationReason", false, TERMINATIONS);
        row.setField(20, termination);

        Fields sip = cdr.object("sipData", false);
        if (sip != null) {
            row.setField(21, sip.text("fromUri", false, Fields.MAX_TEXT));
            row.setField(22, sip.text("toUri", false, Fields.MAX_TEXT));
            row.setField(23, sip.text("callIdHeader", false, Fields.MAX_TEXT));
            row.setField(24, sip.text("userAgent", false, Fields.MAX_TEXT));
            row.setField(25, sip.text("codec", false, Fields.MAX_ID));
            row.setField(26, sip.text("ipAddress", false, Fields.MAX_ID));
        }
        Fields qos = cdr.object("qos", false);
        if (qos != null) {
            row.setField(27, qos.number("jitter", 0, Fields.MAX_MEASURE));
            row.setField(28, qos.number("packetLoss", 0, 100));
            row.setField(29, qos.number("latency", 0, Fields.MAX_MEASURE));
            row.setField(30, qos.number("mos", 1, 5));
        }
        Fields cost = cdr.object("cost", false);
        if (cost != null) {
            row.setField(31, cost.currency("currency"));
            row.setField(32, cost.money("amount"));
            row.setField(33, cost.money("perMinuteRate"));
            row.setField(34, cost.money("taxAmount"));
        }
        Fields metadata = cdr.object("metadata", false);
        if (metadata != null) {
            row.setField(35, metadata.id("serverNode", false));
            row.setField(36, metadata.id("recordingId", false));
            row.setField(37, metadata.texts("tags"));
        }
        String linkedId = cdr.id("linkedId", false);
        row.setField(38, linkedId == null ? callId : linkedId);
        row.setField(39, cdr.integer("legSequence", 0));
        Fields data = cdr.object("dataUsage", false);
        if (data != null) {
            row.setField(40, data.integer("bytesSent", 0));
            row.setField(41, data.integer("bytesReceived", 0));
        }

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
        row.setField(42, !(callingE164 && calledE164));
    }

    /** Puts the number in its column; true when already E.164, false when it needs normalising. */
    private static boolean phoneNumber(Fields party, Row row, int position) throws Reject {
        String number = party.text("number", true, 64);
        row.setField(position, number);
        if (E164.matcher(number).matches()) {
            return true;
        }
        if (DIALABLE.matcher(number).matches()) {
            return false;
        }
        throw new Reject("INVALID_NUMBER", "not a telephone number: '" + number + "'");
    }
}
