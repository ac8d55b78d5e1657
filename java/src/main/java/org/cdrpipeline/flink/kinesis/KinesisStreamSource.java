package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.table.data.RowData;

import java.util.List;

/** A Kinesis Data Streams source (FLIP-27, polling); shard positions live in checkpoints. */
public final class KinesisStreamSource implements Source<RowData, ShardSplit, EnumeratorState> {
    private static final long serialVersionUID = 1L;

    private final KinesisSourceConfig config;
    private final DeserializationSchema<RowData> format;
    private final List<RecordMetadata> metadata;

    KinesisStreamSource(KinesisSourceConfig config, DeserializationSchema<RowData> format,
                        List<RecordMetadata> metadata) {
        this.config = config;
        this.format = format;
        this.metadata = metadata;
    }

    @Override
    public Boundedness getBoundedness() {
        return config.bounded() ? Boundedness.BOUNDED : Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<RowData, ShardSplit> createReader(SourceReaderContext context) {
        return KinesisSourceReader.create(config, format, metadata, context);
    }

    @Override
    public SplitEnumerator<ShardSplit, EnumeratorState> createEnumerator(SplitEnumeratorContext<ShardSplit> context) {
        return new ShardEnumerator(context, config, null);
    }

    @Override
    public SplitEnumerator<ShardSplit, EnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<ShardSplit> context, EnumeratorState state) {
        return new ShardEnumerator(context, config, state);
    }

    @Override
    public SimpleVersionedSerializer<ShardSplit> getSplitSerializer() {
        return new KinesisSerializers.SplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<EnumeratorState> getEnumeratorCheckpointSerializer() {
        return new KinesisSerializers.EnumeratorStateSerializer();
    }
}
