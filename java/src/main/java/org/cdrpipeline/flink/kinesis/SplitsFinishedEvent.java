package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.connector.source.SourceEvent;

import java.util.Set;

/** A reader tells the enumerator it has read these shards to their end (or found them gone). */
final class SplitsFinishedEvent implements SourceEvent {
    private static final long serialVersionUID = 1L;

    private final Set<String> shardIds;

    SplitsFinishedEvent(Set<String> shardIds) {
        this.shardIds = Set.copyOf(shardIds);
    }

    Set<String> shardIds() {
        return shardIds;
    }

    @Override
    public String toString() {
        return "SplitsFinishedEvent" + shardIds;
    }
}
