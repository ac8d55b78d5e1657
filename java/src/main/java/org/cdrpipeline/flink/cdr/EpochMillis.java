package org.cdrpipeline.flink.cdr;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.ScalarFunction;

import java.time.Instant;

/**
 * EPOCH_MILLIS(t): milliseconds since 1970-01-01T00:00:00Z, NULL for NULL. Times cross into
 * Python (the fraud rules) as numbers: a TIMESTAMP would arrive as a Java object in thread mode,
 * and parsing text back costs more than the rule itself.
 */
public final class EpochMillis extends ScalarFunction {
    private static final long serialVersionUID = 1L;

    public @DataTypeHint("BIGINT") Long eval(@DataTypeHint("TIMESTAMP_LTZ(3)") Instant t) {
        return t == null ? null : t.toEpochMilli();
    }
}
