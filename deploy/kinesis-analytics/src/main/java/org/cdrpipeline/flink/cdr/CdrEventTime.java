package org.cdrpipeline.flink.cdr;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParser;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonToken;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.ScalarFunction;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * CDR_EVENT_TIME(line): the record's event time, endTime else startTime, for the source's
 * WATERMARK. Never NULL (a NULL rowtime fails the whole job): a record without a usable time
 * gets the epoch, which no window ever waits for, and PARSE_CDR sends it to the dead letters.
 *
 * <p>A streaming scan of the top level only, stopping as soon as both times are seen: cheap
 * next to the full parse.
 */
public final class CdrEventTime extends ScalarFunction {
    private static final long serialVersionUID = 1L;
    private static final JsonFactory JSON = new JsonFactory();

    public @DataTypeHint("TIMESTAMP_LTZ(3)") Instant eval(String line) {
        if (line == null) {
            return Instant.EPOCH;
        }
        String start = null;
        String end = null;
        try (JsonParser parser = JSON.createParser(line)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Instant.EPOCH;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME && end == null) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value == JsonToken.VALUE_STRING && "endTime".equals(field)) {
                    end = parser.getText();
                } else if (value == JsonToken.VALUE_STRING && "startTime".equals(field)) {
                    start = parser.getText();
                } else {
                    parser.skipChildren();
                }
            }
        } catch (IOException e) {
            // fall through with whatever was seen before the syntax error
        }
        Instant time = parse(end);
        if (time == null) {
            time = parse(start);
        }
        return time == null ? Instant.EPOCH : time;
    }

    private static Instant parse(String value) {
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
