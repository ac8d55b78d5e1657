package org.cdrpipeline.flink.kinesis;

import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.DataType;

/**
 * Where a record came from, readable as METADATA columns, so that a rejected record can be
 * traced back to its exact place in the stream (and re-read from there).
 */
enum RecordMetadata {
    SHARD_ID("shard-id", DataTypes.STRING().notNull()) {
        @Override
        Object read(KinesisRecord record) {
            return StringData.fromString(record.shardId);
        }
    },
    SEQUENCE_NUMBER("sequence-number", DataTypes.STRING().notNull()) {
        @Override
        Object read(KinesisRecord record) {
            return StringData.fromString(record.sequenceNumber);
        }
    },
    ARRIVAL_TIME("arrival-time", DataTypes.TIMESTAMP_LTZ(3).notNull()) {
        @Override
        Object read(KinesisRecord record) {
            return TimestampData.fromEpochMillis(record.arrivalMillis);
        }
    };

    final String key;
    final DataType type;

    RecordMetadata(String key, DataType type) {
        this.key = key;
        this.type = type;
    }

    abstract Object read(KinesisRecord record);

    static RecordMetadata of(String key) {
        for (RecordMetadata metadata : values()) {
            if (metadata.key.equals(key)) {
                return metadata;
            }
        }
        throw new IllegalArgumentException("Unknown Kinesis metadata key '" + key + "'");
    }
}
