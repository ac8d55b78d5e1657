package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.connector.source.SourceSplit;

import java.io.Serializable;
import java.util.List;

/**
 * One Kinesis shard: where to resume reading it, the shards it was split or merged from (it is
 * read only after they are read to their end), its hash-key range, and in bounded mode the
 * arrival time after which nothing more is read. A finished split is kept in a reader's state
 * until the enumerator is known to have recorded it (see {@link KinesisSourceReader}).
 */
public final class ShardSplit implements SourceSplit, Serializable {
    private static final long serialVersionUID = 2L;
    /** No end: an unbounded read. */
    static final long NO_STOP = Long.MAX_VALUE;

    private final String shardId;
    private final StartPosition start;
    private final List<String> parentShardIds;
    private final String startingHashKey;
    private final String endingHashKey;
    private final long stopAtMillis;
    private final boolean finished;

    ShardSplit(String shardId, StartPosition start, List<String> parentShardIds, String startingHashKey,
               String endingHashKey, long stopAtMillis, boolean finished) {
        this.shardId = shardId;
        this.start = start;
        this.parentShardIds = List.copyOf(parentShardIds);
        this.startingHashKey = startingHashKey;
        this.endingHashKey = endingHashKey;
        this.stopAtMillis = stopAtMillis;
        this.finished = finished;
    }

    /** A shard with no parents, no known hash range and no end (tests, old checkpoints). */
    static ShardSplit of(String shardId, StartPosition start) {
        return new ShardSplit(shardId, start, List.of(), null, null, NO_STOP, false);
    }

    @Override
    public String splitId() {
        return shardId;
    }

    public StartPosition start() {
        return start;
    }

    List<String> parentShardIds() {
        return parentShardIds;
    }

    String startingHashKey() {
        return startingHashKey;
    }

    String endingHashKey() {
        return endingHashKey;
    }

    long stopAtMillis() {
        return stopAtMillis;
    }

    boolean finished() {
        return finished;
    }

    ShardSplit resumingAt(StartPosition position) {
        return new ShardSplit(shardId, position, parentShardIds, startingHashKey, endingHashKey, stopAtMillis,
                finished);
    }

    ShardSplit asFinished() {
        return new ShardSplit(shardId, start, parentShardIds, startingHashKey, endingHashKey, stopAtMillis, true);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ShardSplit)) {
            return false;
        }
        ShardSplit other = (ShardSplit) o;
        return shardId.equals(other.shardId) && start.equals(other.start)
                && parentShardIds.equals(other.parentShardIds)
                && java.util.Objects.equals(startingHashKey, other.startingHashKey)
                && java.util.Objects.equals(endingHashKey, other.endingHashKey)
                && stopAtMillis == other.stopAtMillis && finished == other.finished;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(shardId, start, parentShardIds, stopAtMillis, finished);
    }

    @Override
    public String toString() {
        return shardId + "@" + start + (parentShardIds.isEmpty() ? "" : " after " + parentShardIds)
                + (finished ? " (finished)" : "");
    }
}
