package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.JoinedRowData;
import org.apache.flink.util.Collector;
import org.apache.flink.util.UserCodeClassLoader;

import java.util.List;
import java.util.Map;

/**
 * Decodes fetched records with the table's format (each user record of a KPL aggregate in
 * turn) and tracks per-shard progress.
 */
final class KinesisSourceReader
        extends SingleThreadMultiplexSourceReaderBase<KinesisRecord, RowData, ShardSplit, ShardSplitState> {

    KinesisSourceReader(KinesisSourceConfig config, DeserializationSchema<RowData> format,
                        List<RecordMetadata> metadata, SourceReaderContext context) {
        super(() -> new PollingShardReader(config), new Emitter(format, metadata, context),
                context.getConfiguration(), context);
    }

    @Override
    protected void onSplitFinished(Map<String, ShardSplitState> finished) {
        // Nothing to do: a finished shard is closed (resharded) or, when bounded, fully read.
    }

    @Override
    protected ShardSplitState initializedState(ShardSplit split) {
        return new ShardSplitState(split);
    }

    @Override
    protected ShardSplit toSplitType(String splitId, ShardSplitState state) {
        return state.toSplit();
    }

    private static final class Emitter implements RecordEmitter<KinesisRecord, RowData, ShardSplitState> {
        private final DeserializationSchema<RowData> format;
        private final ForwardingCollector collector;

        Emitter(DeserializationSchema<RowData> format, List<RecordMetadata> metadata, SourceReaderContext context) {
            this.format = format;
            this.collector = new ForwardingCollector(metadata);
            try {
                format.open(new DeserializationSchema.InitializationContext() {
                    @Override
                    public MetricGroup getMetricGroup() {
                        return context.metricGroup().addGroup("deserializer");
                    }

                    @Override
                    public UserCodeClassLoader getUserCodeClassLoader() {
                        return context.getUserCodeClassLoader();
                    }
                });
            } catch (Exception e) {
                throw new IllegalStateException("Cannot open the source format", e);
            }
        }

        @Override
        public void emitRecord(KinesisRecord record, SourceOutput<RowData> output, ShardSplitState state)
                throws Exception {
            collector.output = output;
            List<byte[]> packed = KplAggregate.unpack(record.data);
            if (packed == null) {
                collector.record = record;
                format.deserialize(record.data, collector);
            } else {
                // All of an aggregate within one call: a checkpoint falls before or after it,
                // so the shard position stays a plain sequence number.
                for (int i = 0; i < packed.size(); i++) {
                    collector.record = record.subRecord(packed.get(i), i);
                    format.deserialize(collector.record.data, collector);
                }
            }
            state.advanceTo(record.sequenceNumber);
        }
    }

    /** Forwards decoded rows, with the requested metadata columns appended. */
    private static final class ForwardingCollector implements Collector<RowData> {
        private final List<RecordMetadata> metadata;
        SourceOutput<RowData> output;
        KinesisRecord record;

        ForwardingCollector(List<RecordMetadata> metadata) {
            this.metadata = metadata;
        }

        @Override
        public void collect(RowData row) {
            if (metadata.isEmpty()) {
                output.collect(row);
                return;
            }
            GenericRowData values = new GenericRowData(metadata.size());
            for (int i = 0; i < metadata.size(); i++) {
                values.setField(i, metadata.get(i).read(record));
            }
            output.collect(new JoinedRowData(row.getRowKind(), row, values));
        }

        @Override
        public void close() {}
    }
}
