package org.cdrpipeline.flink.kinesis;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Whether a shard may stop holding back event time: only when it is caught up (its last
 * GetRecords brought nothing and Kinesis said it is 0 ms behind the newest record), every
 * record fetched from it has been emitted, and both have been so for the idle timeout.
 *
 * <p>Idleness by time alone (Flink's {@code table.exec.source.idle-timeout}) also marks a shard
 * idle while its records wait in the reader's queue behind another shard's large backlog, which
 * makes them late when they come. A shard whose state is unknown (its reads are throttled or
 * failing) is not caught up, so it holds event time back for as long as the fault lasts.
 *
 * <p>The fetcher thread reports polls, the task thread reports emitted records and asks.
 */
final class ShardActivity {
    private static final long NEVER = Long.MIN_VALUE;

    private final LongSupplier clock;
    private final AtomicLong fetched = new AtomicLong();
    private final AtomicLong emitted = new AtomicLong();
    private volatile long caughtUpSince = NEVER;
    private volatile long lastEmittedAt = NEVER;
    /** Whether a watermark generator has seen this shard's records (task thread only). */
    boolean hasGenerator;

    ShardActivity(LongSupplier clock) {
        this.clock = clock;
    }

    /** One GetRecords answered: {@code records} user-visible records, and whether the shard is caught up. */
    void polled(int records, boolean caughtUp) {
        fetched.addAndGet(records);
        if (!caughtUp || records > 0) {
            caughtUpSince = NEVER;
        } else if (caughtUpSince == NEVER) {
            caughtUpSince = clock.getAsLong();
        }
    }

    /** A poll that failed (throttled, unreachable): the shard's state is unknown again. */
    void pollFailed() {
        caughtUpSince = NEVER;
    }

    /** One fetched Kinesis record handed downstream. */
    void emitted() {
        emitted.incrementAndGet();
        lastEmittedAt = clock.getAsLong();
    }

    boolean idleFor(long timeoutMillis) {
        long since = caughtUpSince;
        if (since == NEVER || emitted.get() != fetched.get()) {
            return false;
        }
        long quietSince = Math.max(since, lastEmittedAt);
        return clock.getAsLong() - quietSince >= timeoutMillis;
    }
}
