package org.cdrpipeline.flink.kinesis;

import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checkpoint formats of splits and of the enumerator; versioned so they can evolve. */
final class KinesisSerializers {
    private KinesisSerializers() {}

    static void writeSplit(ShardSplit split, DataOutputView out) throws IOException {
        out.writeUTF(split.splitId());
        out.writeUTF(split.start().kind().name());
        out.writeBoolean(split.start().value() != null);
        if (split.start().value() != null) {
            out.writeUTF(split.start().value());
        }
    }

    static ShardSplit readSplit(DataInputView in) throws IOException {
        String shardId = in.readUTF();
        StartPosition.Kind kind = StartPosition.Kind.valueOf(in.readUTF());
        String value = in.readBoolean() ? in.readUTF() : null;
        return new ShardSplit(shardId, StartPosition.of(kind, value));
    }

    static final class SplitSerializer implements SimpleVersionedSerializer<ShardSplit> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(ShardSplit split) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(64);
            writeSplit(split, out);
            return out.getCopyOfBuffer();
        }

        @Override
        public ShardSplit deserialize(int version, byte[] bytes) throws IOException {
            return readSplit(new DataInputDeserializer(bytes));
        }
    }

    static final class EnumeratorStateSerializer implements SimpleVersionedSerializer<EnumeratorState> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(EnumeratorState state) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(256);
            out.writeInt(state.knownShards().size());
            for (String shard : state.knownShards()) {
                out.writeUTF(shard);
            }
            out.writeInt(state.unassigned().size());
            for (ShardSplit split : state.unassigned()) {
                writeSplit(split, out);
            }
            return out.getCopyOfBuffer();
        }

        @Override
        public EnumeratorState deserialize(int version, byte[] bytes) throws IOException {
            DataInputDeserializer in = new DataInputDeserializer(bytes);
            Set<String> known = new HashSet<>();
            for (int i = in.readInt(); i > 0; i--) {
                known.add(in.readUTF());
            }
            List<ShardSplit> unassigned = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                unassigned.add(readSplit(in));
            }
            return new EnumeratorState(known, unassigned);
        }
    }
}
