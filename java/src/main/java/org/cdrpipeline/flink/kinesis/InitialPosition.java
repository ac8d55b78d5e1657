package org.cdrpipeline.flink.kinesis;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.text.ParsePosition;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.Locale;

/**
 * {@code source.init.position} as configured (LATEST, TRIM_HORIZON or AT_TIMESTAMP with {@code
 * source.init.timestamp}), and its resolution to a {@link StartPosition} when a shard is first
 * discovered. LATEST means "from the moment the job first started" (the official connector's
 * "first saw the stream", moved to the enumerator's creation so that a checkpoint taken before
 * the first shard listing keeps it too): it becomes AT_TIMESTAMP of that moment in the split.
 */
final class InitialPosition implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(InitialPosition.class);
    /** The official connector's default {@code source.init.timestamp.format}. */
    static final String DEFAULT_TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

    enum Kind { LATEST, TRIM_HORIZON, AT_TIMESTAMP }

    private final Kind kind;
    private final Instant timestamp;

    private InitialPosition(Kind kind, Instant timestamp) {
        this.kind = kind;
        this.timestamp = timestamp;
    }

    static InitialPosition latest() {
        return new InitialPosition(Kind.LATEST, null);
    }

    static InitialPosition trimHorizon() {
        return new InitialPosition(Kind.TRIM_HORIZON, null);
    }

    static InitialPosition atTimestamp(Instant timestamp) {
        return new InitialPosition(Kind.AT_TIMESTAMP, timestamp);
    }

    /** Reads the options; errors name the option at fault. */
    static InitialPosition parse(String position, String timestamp, String format) {
        switch (position.trim().toUpperCase(Locale.ROOT)) {
            case "LATEST":
                return latest();
            case "TRIM_HORIZON":
                return trimHorizon();
            case "AT_TIMESTAMP":
                if (timestamp == null || timestamp.isBlank()) {
                    throw new IllegalArgumentException(
                            "'source.init.position' = 'AT_TIMESTAMP' needs 'source.init.timestamp'.");
                }
                return atTimestamp(parseTimestamp(timestamp.trim(), format));
            default:
                throw new IllegalArgumentException("'source.init.position' must be LATEST, TRIM_HORIZON or"
                        + " AT_TIMESTAMP, got '" + position + "'.");
        }
    }

    /**
     * The forms the official connector reads, {@code source.init.timestamp.format} (a
     * SimpleDateFormat pattern) and epoch seconds with an optional fraction, after ISO-8601 with
     * an offset: read first because it is unambiguous (the default pattern's SSS reads ".48" as
     * 48 ms, ISO as 480 ms).
     */
    static Instant parseTimestamp(String value, String format) {
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException notIso) {
            // next form
        }
        SimpleDateFormat pattern = new SimpleDateFormat(format == null ? DEFAULT_TIMESTAMP_FORMAT : format);
        pattern.setLenient(false);
        ParsePosition position = new ParsePosition(0);
        Date parsed = pattern.parse(value, position);
        if (parsed != null && position.getIndex() == value.length()) {
            return parsed.toInstant();
        }
        try {
            double seconds = Double.parseDouble(value);
            if (seconds >= 0 && !Double.isInfinite(seconds)) {
                return Instant.ofEpochMilli(Math.round(seconds * 1000));
            }
        } catch (NumberFormatException notEpoch) {
            // falls through to the error
        }
        throw new IllegalArgumentException("'source.init.timestamp' = '" + value + "' is neither in the format '"
                + (format == null ? DEFAULT_TIMESTAMP_FORMAT : format)
                + "' ('source.init.timestamp.format'), nor ISO-8601 with an offset, nor epoch seconds"
                + " (e.g. 2016-04-04T19:58:46.480-00:00 or 1459799926.480).");
    }

    boolean needsRetention() {
        return kind == Kind.AT_TIMESTAMP;
    }

    /**
     * The position of a shard of the first discovery of a job that first started at {@code now}:
     * LATEST is that moment; a timestamp older than the stream's retention is the shard's
     * beginning (Kinesis keeps nothing older).
     */
    StartPosition resolve(Instant now, Duration retention) {
        switch (kind) {
            case LATEST:
                return StartPosition.atTimestamp(now);
            case TRIM_HORIZON:
                return StartPosition.trimHorizon();
            default:
                if (retention != null && timestamp.isBefore(now.minus(retention))) {
                    LOG.warn("'source.init.timestamp' {} is older than the stream's retention ({} h): reading"
                            + " from TRIM_HORIZON instead", timestamp, retention.toHours());
                    return StartPosition.trimHorizon();
                }
                return StartPosition.atTimestamp(timestamp);
        }
    }

    @Override
    public String toString() {
        return timestamp == null ? kind.name() : kind + "(" + timestamp + ")";
    }
}
