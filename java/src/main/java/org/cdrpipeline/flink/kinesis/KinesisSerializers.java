package org.cdrpipeline.flink.kinesis;

import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checkpoint formats of splits and of the enumerator. Version 3 adds the enumerator's first
 * start; version 2 holds the shard graph; versions 1 (shard id and position only) and 2 are
 * still read, so a savepoint taken before stays usable. Splits are written alike in 2 and 3.
 */
final class KinesisSerializers {
    private static final Logger LOG = LoggerFactory.getLogger(KinesisSerializers.class);
    static final int VERSION = 3;

    private KinesisSerializers() {}

    static void writeSplit(ShardSplit split, DataOutputView out) throws IOException {
        out.writeUTF(split.splitId());
        out.writeUTF(split.start().kind().name());
        writeNullable(split.start().value(), out);
        out.writeInt(split.parentShardIds().size());
        for (String parent : split.parentShardIds()) {
            out.writeUTF(parent);
        }
        writeNullable(split.startingHashKey(), out);
        writeNullable(split.endingHashKey(), out);
        out.writeLong(split.stopAtMillis());
        out.writeBoolean(split.finished());
    }

    static ShardSplit readSplit(int version, DataInputView in) throws IOException {
        String shardId = in.readUTF();
        String kind = in.readUTF();
        String value = readNullable(in);
        if (version == 1) {
            return ShardSplit.of(shardId, fromVersion1(shardId, kind, value));
        }
        List<String> parents = new ArrayList<>();
        for (int i = in.readInt(); i > 0; i--) {
            parents.add(in.readUTF());
        }
        String startingHashKey = readNullable(in);
        String endingHashKey = readNullable(in);
        long stopAt = in.readLong();
        boolean finished = in.readBoolean();
        return new ShardSplit(shardId, StartPosition.of(StartPosition.Kind.valueOf(kind), value), parents,
                startingHashKey, endingHashKey, stopAt, finished);
    }

    /**
     * Version 1 could store LATEST for a shard nothing had been read from, which loses what
     * arrived while the job was down; it is read as TRIM_HORIZON (what is read twice is
     * deduplicated by recordId downstream; what would be skipped is lost for good).
     */
    private static StartPosition fromVersion1(String shardId, String kind, String value) {
        if ("LATEST".equals(kind)) {
            LOG.warn("Shard {} was checkpointed at LATEST by an older version: reading it from TRIM_HORIZON"
                    + " so that nothing put while the job was down is skipped", shardId);
            return StartPosition.trimHorizon();
        }
        return StartPosition.of(StartPosition.Kind.valueOf(kind), value);
    }

    private static void writeNullable(String value, DataOutputView out) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeUTF(value);
        }
    }

    private static String readNullable(DataInputView in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    static final class SplitSerializer implements SimpleVersionedSerializer<ShardSplit> {
        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(ShardSplit split) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(128);
            writeSplit(split, out);
            return out.getCopyOfBuffer();
        }

        @Override
        public ShardSplit deserialize(int version, byte[] bytes) throws IOException {
            return readSplit(version, new DataInputDeserializer(bytes));
        }
    }

    static final class EnumeratorStateSerializer implements SimpleVersionedSerializer<EnumeratorState> {
        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(EnumeratorState state) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(512);
            out.writeBoolean(state.discovered());
            out.writeLong(state.stopAtMillis());
            out.writeLong(state.firstStartMillis());
            out.writeInt(state.unfinished().size());
            for (Map.Entry<ShardSplit, Integer> entry : state.unfinished().entrySet()) {
                writeSplit(entry.getKey(), out);
                out.writeInt(entry.getValue());
            }
            out.writeInt(state.finished().size());
            for (String shard : state.finished()) {
                out.writeUTF(shard);
            }
            return out.getCopyOfBuffer();
        }

        @Override
        public EnumeratorState deserialize(int version, byte[] bytes) throws IOException {
            DataInputDeserializer in = new DataInputDeserializer(bytes);
            return version == 1 ? fromVersion1(in) : read(version, in);
        }

        private static EnumeratorState read(int version, DataInputDeserializer in) throws IOException {
            boolean discovered = in.readBoolean();
            long stopAt = in.readLong();
            long firstStart = version >= 3 ? in.readLong() : EnumeratorState.FIRST_START_UNKNOWN;
            Map<ShardSplit, Integer> unfinished = new LinkedHashMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                ShardSplit split = readSplit(VERSION, in);
                unfinished.put(split, in.readInt());
            }
            Set<String> finished = new HashSet<>();
            for (int i = in.readInt(); i > 0; i--) {
                finished.add(in.readUTF());
            }
            return new EnumeratorState(unfinished, finished, discovered, stopAt, firstStart);
        }

        /**
         * Version 1 kept the shards seen and the splits not handed out. The shards seen and
         * handed out live on in the readers' state; here they count as finished, so that they
         * are never handed out again (their children then start as version 1 did: at once).
         */
        private static EnumeratorState fromVersion1(DataInputDeserializer in) throws IOException {
            Set<String> known = new HashSet<>();
            for (int i = in.readInt(); i > 0; i--) {
                known.add(in.readUTF());
            }
            Map<ShardSplit, Integer> unassigned = new LinkedHashMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                ShardSplit split = readSplit(1, in);
                unassigned.put(split, SplitTracker.UNASSIGNED);
                known.remove(split.splitId());
            }
            return new EnumeratorState(unassigned, known, true, ShardSplit.NO_STOP, EnumeratorState.FIRST_START_UNKNOWN);
        }
    }
}
