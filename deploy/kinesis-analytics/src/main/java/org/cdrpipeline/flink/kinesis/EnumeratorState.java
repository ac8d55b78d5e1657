package org.cdrpipeline.flink.kinesis;

import java.util.List;
import java.util.Set;

/** What the enumerator checkpoints: shards it has seen, and splits not yet handed out. */
final class EnumeratorState {
    private final Set<String> knownShards;
    private final List<ShardSplit> unassigned;

    EnumeratorState(Set<String> knownShards, List<ShardSplit> unassigned) {
        this.knownShards = knownShards;
        this.unassigned = unassigned;
    }

    Set<String> knownShards() {
        return knownShards;
    }

    List<ShardSplit> unassigned() {
        return unassigned;
    }
}
