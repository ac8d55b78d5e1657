package org.cdrpipeline.flink.kinesis;

import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/**
 * Where reading a shard starts, always a position fixed in the stream: the shard's beginning,
 * a moment, or just after a record. LATEST is never stored: it is resolved to AT_TIMESTAMP of
 * the moment the shard was first discovered (see {@link InitialPosition}), so that a restore,
 * a failover or an expired iterator reads from the same place and never skips a record.
 */
public final class StartPosition implements Serializable {
    private static final long serialVersionUID = 2L;

    public enum Kind { TRIM_HORIZON, AT_TIMESTAMP, AFTER_SEQUENCE_NUMBER }

    private final Kind kind;
    /** Epoch millis for AT_TIMESTAMP, the sequence number for AFTER_SEQUENCE_NUMBER, else null. */
    private final String value;

    private StartPosition(Kind kind, String value) {
        this.kind = kind;
        this.value = value;
    }

    public static StartPosition trimHorizon() {
        return new StartPosition(Kind.TRIM_HORIZON, null);
    }

    public static StartPosition atTimestamp(Instant at) {
        return new StartPosition(Kind.AT_TIMESTAMP, Long.toString(at.toEpochMilli()));
    }

    public static StartPosition afterSequenceNumber(String sequenceNumber) {
        return new StartPosition(Kind.AFTER_SEQUENCE_NUMBER, Objects.requireNonNull(sequenceNumber));
    }

    static StartPosition of(Kind kind, String value) {
        return new StartPosition(kind, value);
    }

    public Kind kind() {
        return kind;
    }

    public String value() {
        return value;
    }

    GetShardIteratorRequest.Builder applyTo(GetShardIteratorRequest.Builder request) {
        switch (kind) {
            case TRIM_HORIZON:
                return request.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
            case AT_TIMESTAMP:
                return request.shardIteratorType(ShardIteratorType.AT_TIMESTAMP)
                        .timestamp(Instant.ofEpochMilli(Long.parseLong(value)));
            default:
                return request.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER)
                        .startingSequenceNumber(value);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StartPosition
                && kind == ((StartPosition) o).kind
                && Objects.equals(value, ((StartPosition) o).value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, value);
    }

    @Override
    public String toString() {
        return value == null ? kind.name() : kind + "(" + value + ")";
    }
}
