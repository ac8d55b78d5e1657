package org.cdrpipeline.flink.cdr;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.ScalarFunction;

import java.time.Duration;
import java.time.Instant;

/**
 * STARTED_SECONDS(from, to): whole seconds from one instant to another, a started second
 * counting as one (the telephony convention for talk time); 0 when either is NULL or to is not
 * after from. TIMESTAMPDIFF truncates, which undercounts every call by a fraction.
 */
public final class StartedSeconds extends ScalarFunction {
    private static final long serialVersionUID = 1L;

    public @DataTypeHint("BIGINT NOT NULL") long eval(
            @DataTypeHint("TIMESTAMP_LTZ(3)") Instant from, @DataTypeHint("TIMESTAMP_LTZ(3)") Instant to) {
        if (from == null || to == null || !to.isAfter(from)) {
            return 0L;
        }
        long millis = Duration.between(from, to).toMillis();
        return (millis + 999) / 1000;
    }
}
