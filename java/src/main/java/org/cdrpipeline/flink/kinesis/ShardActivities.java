package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.connector.source.ReaderOutput;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The {@link ShardActivity} of every shard a reader reads, and which shard's records the
 * reader is emitting now: how a watermark generator learns its shard.
 *
 * <p>Flink creates a split's watermark generator without saying for which split (and a main
 * output's generator that never sees a record). A generator learns its shard from its first
 * record; until then it stands for all shards that have not emitted a record yet, and is idle
 * only if every one of them is. The generators and the reader run on the task's thread, which
 * is how a generator finds its reader's shards ({@link #ofThisTask()}).
 *
 * <p>A reader without shards (its first assignment not come yet, or every shard finished) is
 * idle only once it has had none for the timeout, as with Flink's idleness by time: a reader
 * idle from its start is left out of the downstream watermark until its first watermark, so
 * another reader's newer records could make all of its first records late.
 *
 * <p>A watermark does not end an idle output unless it is newer than any before, so an output a
 * generator marked idle (its reader shardless for the timeout) would stay idle while its first
 * records flow, and, if its shards end before their first watermark, at its end as well, where
 * Flink drops the end-of-input watermark of an idle output (no window would ever fire). The
 * reader's output is therefore marked active again before the next record after a generator
 * marked it idle ({@link #emitting}).
 */
final class ShardActivities {
    private static final ThreadLocal<ShardActivities> OF_THIS_TASK = new ThreadLocal<>();

    private final Map<String, ShardActivity> byShard = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private ShardActivity emitting;
    private ReaderOutput<?> readerOutput;
    private boolean markedIdle;
    private volatile long shardlessSince;

    private ShardActivities(LongSupplier clock) {
        this.clock = clock;
        this.shardlessSince = clock.getAsLong();
    }

    /** A reader's shards, found by the generators created later on this (the task's) thread. */
    static ShardActivities forThisTask(LongSupplier clock) {
        ShardActivities shards = new ShardActivities(clock);
        OF_THIS_TASK.set(shards);
        return shards;
    }

    /** The shards of this task's reader, or null outside a task that has one. */
    static ShardActivities ofThisTask() {
        return OF_THIS_TASK.get();
    }

    ShardActivity add(String shardId) {
        return byShard.computeIfAbsent(shardId, id -> new ShardActivity(clock));
    }

    /** Read by the fetcher thread: null once the shard is finished. */
    ShardActivity get(String shardId) {
        return byShard.get(shardId);
    }

    void remove(String shardId) {
        byShard.remove(shardId);
        if (byShard.isEmpty()) {
            shardlessSince = clock.getAsLong();
        }
    }

    /** The reader's output, which a generator's idleness may have marked idle (task thread). */
    void readerOutput(ReaderOutput<?> output) {
        readerOutput = output;
    }

    /** A generator marked its output idle (task thread). */
    void markedIdle() {
        markedIdle = true;
    }

    /** A record of this shard is emitted next: its output is active. */
    void emitting(ShardActivity shard) {
        emitting = shard;
        if (markedIdle && readerOutput != null) {
            markedIdle = false;
            readerOutput.markActive();
        }
    }

    /** The shard whose record a generator sees first: from now on that generator's. */
    ShardActivity claimEmitting() {
        ShardActivity shard = emitting;
        if (shard != null) {
            shard.hasGenerator = true;
        }
        return shard;
    }

    /**
     * Whether every shard no generator has seen a record of is idle (true if every shard has
     * been seen); with no shard at all, whether the reader has had none for the timeout.
     */
    boolean unclaimedIdleFor(long timeoutMillis) {
        if (byShard.isEmpty()) {
            return clock.getAsLong() - shardlessSince >= timeoutMillis;
        }
        for (ShardActivity shard : byShard.values()) {
            if (!shard.hasGenerator && !shard.idleFor(timeoutMillis)) {
                return false;
            }
        }
        return true;
    }
}
