package org.cdrpipeline.flink.kinesis;

import org.apache.flink.core.memory.DataOutputSerializer;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KinesisSerializersTest {
    private final KinesisSerializers.SplitSerializer splits = new KinesisSerializers.SplitSerializer();
    private final KinesisSerializers.EnumeratorStateSerializer states = new KinesisSerializers.EnumeratorStateSerializer();

    @Test
    void aSplitRoundTripsWithItsGraphAndEnd() throws Exception {
        ShardSplit split = new ShardSplit("shardId-000000000004", StartPosition.afterSequenceNumber("4960"),
                List.of("shardId-000000000001", "shardId-000000000003"), "0", "170141183460469231731687303715884105727",
                1_764_000_000_000L, true);
        assertEquals(split, splits.deserialize(splits.getVersion(), splits.serialize(split)));
        ShardSplit plain = ShardSplit.of("shardId-000000000000", StartPosition.atTimestamp(Instant.ofEpochMilli(5)));
        assertEquals(plain, splits.deserialize(splits.getVersion(), splits.serialize(plain)));
    }

    @Test
    void theEnumeratorStateRoundTrips() throws Exception {
        Map<ShardSplit, Integer> unfinished = new LinkedHashMap<>();
        unfinished.put(ShardSplit.of("b", StartPosition.trimHorizon()), 1);
        unfinished.put(new ShardSplit("c", StartPosition.trimHorizon(), List.of("a"), "1", "2", 77L, false),
                SplitTracker.UNASSIGNED);
        EnumeratorState state = new EnumeratorState(unfinished, Set.of("a"), true, 77L, 1_764_000_000_123L);
        EnumeratorState back = states.deserialize(states.getVersion(), states.serialize(state));
        assertEquals(unfinished, back.unfinished());
        assertEquals(List.of("b", "c"), back.unfinishedIds());
        assertEquals(Set.of("a"), back.finished());
        assertEquals(true, back.discovered());
        assertEquals(77L, back.stopAtMillis());
        assertEquals(1_764_000_000_123L, back.firstStartMillis());
    }

    /** Bytes as version 2 wrote them (no first start): read, the first start unknown; splits alike. */
    @Test
    void version2CheckpointsAreStillRead() throws Exception {
        ShardSplit split = new ShardSplit("b", StartPosition.atTimestamp(Instant.ofEpochMilli(5)), List.of("a"), "1",
                "2", ShardSplit.NO_STOP, false);
        DataOutputSerializer state = new DataOutputSerializer(64);
        state.writeBoolean(true);
        state.writeLong(ShardSplit.NO_STOP);
        state.writeInt(1);
        KinesisSerializers.writeSplit(split, state);
        state.writeInt(0);
        state.writeInt(0);
        EnumeratorState back = states.deserialize(2, state.getCopyOfBuffer());
        assertEquals(Map.of(split, 0), back.unfinished());
        assertEquals(EnumeratorState.FIRST_START_UNKNOWN, back.firstStartMillis());
        assertEquals(split, splits.deserialize(2, splits.serialize(split)));
    }

    /** Bytes as version 1 wrote them: a shard checkpointed at LATEST is read from TRIM_HORIZON. */
    @Test
    void version1CheckpointsAreStillRead() throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeUTF("shardId-000000000000");
        out.writeUTF("LATEST");
        out.writeBoolean(false);
        assertEquals(ShardSplit.of("shardId-000000000000", StartPosition.trimHorizon()),
                splits.deserialize(1, out.getCopyOfBuffer()));

        DataOutputSerializer state = new DataOutputSerializer(64);
        state.writeInt(2);
        state.writeUTF("shardId-000000000000");
        state.writeUTF("shardId-000000000001");
        state.writeInt(1);
        state.writeUTF("shardId-000000000001");
        state.writeUTF("AFTER_SEQUENCE_NUMBER");
        state.writeBoolean(true);
        state.writeUTF("4960");
        EnumeratorState back = states.deserialize(1, state.getCopyOfBuffer());
        assertEquals(Map.of(ShardSplit.of("shardId-000000000001", StartPosition.afterSequenceNumber("4960")),
                SplitTracker.UNASSIGNED), back.unfinished());
        assertEquals(Set.of("shardId-000000000000"), back.finished());
    }
}
