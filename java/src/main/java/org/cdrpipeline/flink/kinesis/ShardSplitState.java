package org.cdrpipeline.flink.kinesis;

/** Mutable per-shard progress kept by the reader between checkpoints. */
final class ShardSplitState {
    private final ShardSplit split;
    private String lastSequenceNumber;

    ShardSplitState(ShardSplit split) {
        this.split = split;
    }

    void advanceTo(String sequenceNumber) {
        this.lastSequenceNumber = sequenceNumber;
    }

    ShardSplit toSplit() {
        return lastSequenceNumber == null
                ? split
                : split.resumingAt(StartPosition.afterSequenceNumber(lastSequenceNumber));
    }
}
