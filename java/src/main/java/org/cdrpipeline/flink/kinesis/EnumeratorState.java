package org.cdrpipeline.flink.kinesis;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the enumerator checkpoints: every shard not yet read to its end with the subtask it was
 * handed to ({@link SplitTracker#UNASSIGNED} if none), the finished shards Kinesis still lists
 * (so they are not read again, and their children know they may start), whether the first
 * discovery happened (the initial position applies to it alone), when the job first started
 * (what LATEST means, also to a checkpoint taken before that discovery), and a bounded read's end.
 */
final class EnumeratorState {
    private final Map<ShardSplit, Integer> unfinished;
    private final Set<String> finished;
    private final boolean discovered;
    private final long stopAtMillis;
    private final long firstStartMillis;

    /** {@link #firstStartMillis} of a state written before it was kept (checkpoint format 2). */
    static final long FIRST_START_UNKNOWN = Long.MIN_VALUE;

    EnumeratorState(Map<ShardSplit, Integer> unfinished, Set<String> finished, boolean discovered,
                    long stopAtMillis, long firstStartMillis) {
        this.unfinished = unfinished;
        this.finished = finished;
        this.discovered = discovered;
        this.stopAtMillis = stopAtMillis;
        this.firstStartMillis = firstStartMillis;
    }

    /** Unfinished splits (insertion ordered) and their owners. */
    Map<ShardSplit, Integer> unfinished() {
        return unfinished;
    }

    Set<String> finished() {
        return finished;
    }

    boolean discovered() {
        return discovered;
    }

    long stopAtMillis() {
        return stopAtMillis;
    }

    long firstStartMillis() {
        return firstStartMillis;
    }

    List<String> unfinishedIds() {
        return unfinished.keySet().stream().map(ShardSplit::splitId).toList();
    }
}
