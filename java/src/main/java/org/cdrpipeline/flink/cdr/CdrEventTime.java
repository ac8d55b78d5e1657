package org.cdrpipeline.flink.cdr;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.data.GenericRowData;

import java.time.Instant;

/**
 * CDR_EVENT_TIME(line): a valid record's endTime, else its startTime, for the source's
 * WATERMARK; the epoch for a rejected record. Never NULL (a NULL rowtime fails the whole job),
 * and never taken from a record that breaks the contract: one bad record with a time far in
 * the future must not push the watermark past everyone else's records. The parse is shared
 * with PARSE_CDR (CdrParser keeps the last result).
 */
public final class CdrEventTime extends ScalarFunction {
    private static final long serialVersionUID = 1L;

    public @DataTypeHint("TIMESTAMP_LTZ(3) NOT NULL") Instant eval(
            @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData line) {
        GenericRowData row = CdrParser.parse(line);
        if (CdrParser.rejected(row)) {
            return Instant.EPOCH;
        }
        int column = row.isNullAt(CdrParser.END_TIME) ? CdrParser.START_TIME : CdrParser.END_TIME;
        return row.getTimestamp(column, 3).toInstant();
    }
}
