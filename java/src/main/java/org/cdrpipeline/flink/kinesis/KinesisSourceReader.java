package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.JoinedRowData;
import org.apache.flink.util.Collector;
import org.apache.flink.util.UserCodeClassLoader;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decodes fetched records with the table's format (each user record of a KPL aggregate in
 * turn), tracks per-shard progress, and tells the enumerator when a shard has been read to its
 * end (so that its children may start).
 *
 * <p>That message must not be lost to a restore: the enumerator's state is checkpointed before
 * the readers', so a checkpoint may hold a shard as unfinished in the enumerator and absent from
 * its reader. A finished shard therefore stays in this reader's checkpoints, marked finished,
 * until a checkpoint taken after the message completes; restored, it is announced again.
 */
final class KinesisSourceReader
        extends SingleThreadMultiplexSourceReaderBase<KinesisRecord, RowData, ShardSplit, ShardSplitState> {

    private final KinesisSourceConfig config;
    private final Map<String, ShardMetrics> metrics;
    private final ShardActivities activities;
    /** Finished splits by the last checkpoint taken before they finished. */
    private final NavigableMap<Long, List<ShardSplit>> finishedSplits = new TreeMap<>();
    private long lastCheckpointId = Long.MIN_VALUE;

    static KinesisSourceReader create(KinesisSourceConfig config, DeserializationSchema<RowData> format,
                                      List<RecordMetadata> metadata, SourceReaderContext context) {
        return new KinesisSourceReader(config, format, metadata, context, new ConcurrentHashMap<>(),
                ShardActivities.forThisTask(System::currentTimeMillis));
    }

    private KinesisSourceReader(KinesisSourceConfig config, DeserializationSchema<RowData> format,
                                List<RecordMetadata> metadata, SourceReaderContext context,
                                Map<String, ShardMetrics> metrics, ShardActivities activities) {
        super(() -> new PollingShardReader(config, metrics, activities),
                new Emitter(format, metadata, context, activities), context.getConfiguration(), context);
        this.config = config;
        this.metrics = metrics;
        this.activities = activities;
    }

    @Override
    public void addSplits(List<ShardSplit> splits) {
        List<ShardSplit> toRead = new ArrayList<>();
        Set<String> alreadyFinished = new HashSet<>();
        for (ShardSplit split : splits) {
            if (split.finished()) {
                finishedSplits.computeIfAbsent(lastCheckpointId, k -> new ArrayList<>()).add(split);
                alreadyFinished.add(split.splitId());
            } else {
                metrics.computeIfAbsent(split.splitId(),
                        id -> new ShardMetrics(context.metricGroup(), config.streamArn(), id));
                activities.add(split.splitId());
                toRead.add(split);
            }
        }
        if (!alreadyFinished.isEmpty()) {
            context.sendSourceEventToCoordinator(new SplitsFinishedEvent(alreadyFinished));
        }
        super.addSplits(toRead);
    }

    /**
     * A bounded read ends with its output active: Flink drops the end-of-input watermark of an
     * output marked idle, and the windows still open would never fire.
     */
    @Override
    public InputStatus pollNext(ReaderOutput<RowData> output) throws Exception {
        activities.readerOutput(output);
        InputStatus status = super.pollNext(output);
        if (status == InputStatus.END_OF_INPUT) {
            output.markActive();
        }
        return status;
    }

    @Override
    protected void onSplitFinished(Map<String, ShardSplitState> finished) {
        if (finished.isEmpty()) {
            return;
        }
        List<ShardSplit> kept = finishedSplits.computeIfAbsent(lastCheckpointId, k -> new ArrayList<>());
        finished.values().forEach(state -> kept.add(state.toSplit().asFinished()));
        context.sendSourceEventToCoordinator(new SplitsFinishedEvent(finished.keySet()));
        finished.keySet().forEach(id -> {
            activities.remove(id);
            ShardMetrics gone = metrics.remove(id);
            if (gone != null) {
                gone.unregister();
            }
        });
    }

    @Override
    public List<ShardSplit> snapshotState(long checkpointId) {
        List<ShardSplit> beforeAny = finishedSplits.remove(Long.MIN_VALUE);
        if (beforeAny != null) { // finished before this run's first checkpoint: as if after checkpoint - 1
            finishedSplits.computeIfAbsent(checkpointId - 1, k -> new ArrayList<>()).addAll(beforeAny);
        }
        lastCheckpointId = checkpointId;
        List<ShardSplit> splits = new ArrayList<>(super.snapshotState(checkpointId));
        finishedSplits.values().forEach(splits::addAll);
        return splits;
    }

    /**
     * A split that finished after checkpoint n is in every checkpoint from n+1 on; it is
     * dropped once checkpoint n+2 completes, by when the enumerator's own checkpoint (taken
     * before n+2's readers) holds it as finished.
     */
    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        finishedSplits.headMap(checkpointId - 1, false).clear();
    }

    @Override
    public void close() throws Exception {
        super.close();
        metrics.values().forEach(ShardMetrics::unregister);
        metrics.clear();
    }

    @Override
    protected ShardSplitState initializedState(ShardSplit split) {
        return new ShardSplitState(split, activities.get(split.splitId()));
    }

    @Override
    protected ShardSplit toSplitType(String splitId, ShardSplitState state) {
        return state.toSplit();
    }

    private static final class Emitter implements RecordEmitter<KinesisRecord, RowData, ShardSplitState> {
        private final DeserializationSchema<RowData> format;
        private final ForwardingCollector collector;
        private final ShardActivities activities;

        Emitter(DeserializationSchema<RowData> format, List<RecordMetadata> metadata, SourceReaderContext context,
                ShardActivities activities) {
            this.format = format;
            this.activities = activities;
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
            activities.emitting(state.activity());
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
            state.emitted(record.sequenceNumber);
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
