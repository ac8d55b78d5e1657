package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.connector.source.SourceSplit;

import java.io.Serializable;

/** One Kinesis shard, and where to resume reading it. */
public final class ShardSplit implements SourceSplit, Serializable {
    private static final long serialVersionUID = 1L;

    private final String shardId;
    private final StartPosition start;

    public ShardSplit(String shardId, StartPosition start) {
        this.shardId = shardId;
        this.start = start;
    }

    @Override
    public String splitId() {
        return shardId;
    }

    public StartPosition start() {
        return start;
    }

    @Override
    public String toString() {
        return shardId + "@" + start;
    }
}
