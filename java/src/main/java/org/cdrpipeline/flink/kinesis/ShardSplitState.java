package org.cdrpipeline.flink.kinesis;

/** Mutable per-shard progress kept by the reader between checkpoints. */
final class ShardSplitState {
    private final ShardSplit split;
    private final ShardActivity activity;
    private String lastSequenceNumber;

    ShardSplitState(ShardSplit split, ShardActivity activity) {
        this.split = split;
        this.activity = activity;
    }

    /** A fetched record (all of it, if an aggregate) has been handed downstream. */
    void emitted(String sequenceNumber) {
        this.lastSequenceNumber = sequenceNumber;
        if (activity != null) {
            activity.emitted();
        }
    }

    ShardActivity activity() {
        return activity;
    }

    ShardSplit toSplit() {
        return lastSequenceNumber == null
                ? split
                : split.resumingAt(StartPosition.afterSequenceNumber(lastSequenceNumber));
    }
}
