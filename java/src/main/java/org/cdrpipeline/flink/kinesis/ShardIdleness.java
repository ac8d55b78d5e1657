package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.WatermarkAlignmentParams;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The table's watermark strategy, with a shard marked idle from its own state ({@link
 * ShardActivity}) instead of after a time without records: a shard whose records wait in the
 * reader behind another shard's backlog keeps holding event time back, so they are not late.
 * How a generator knows its shard: {@link ShardActivities}.
 */
final class ShardIdleness<T> implements WatermarkStrategy<T> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ShardIdleness.class);

    private final WatermarkStrategy<T> table;
    private final long timeoutMillis;

    ShardIdleness(WatermarkStrategy<T> table, long timeoutMillis) {
        this.table = table;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public WatermarkGenerator<T> createWatermarkGenerator(WatermarkGeneratorSupplier.Context context) {
        WatermarkGenerator<T> generator = table.createWatermarkGenerator(context);
        ShardActivities shards = ShardActivities.ofThisTask();
        if (shards == null) {
            LOG.warn("A watermark generator was created outside a Kinesis reader's task; no shard idleness");
            return generator;
        }
        return timeoutMillis <= 0 ? generator : new Generator<>(generator, shards, timeoutMillis);
    }

    @Override
    public TimestampAssigner<T> createTimestampAssigner(TimestampAssignerSupplier.Context context) {
        return table.createTimestampAssigner(context);
    }

    @Override
    public WatermarkAlignmentParams getAlignmentParameters() {
        return table.getAlignmentParameters();
    }

    /** The table's generator, silenced and marked idle while its shard is idle. */
    static final class Generator<T> implements WatermarkGenerator<T> {
        private final WatermarkGenerator<T> table;
        private final ShardActivities shards;
        private final long timeoutMillis;
        private ShardActivity shard;

        Generator(WatermarkGenerator<T> table, ShardActivities shards, long timeoutMillis) {
            this.table = table;
            this.shards = shards;
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {
            if (shard == null) {
                shard = shards.claimEmitting();
            }
            table.onEvent(event, eventTimestamp, output);
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            boolean idle = shard != null ? shard.idleFor(timeoutMillis) : shards.unclaimedIdleFor(timeoutMillis);
            if (idle) {
                output.markIdle();
                shards.markedIdle();
            } else {
                table.onPeriodicEmit(output); // a watermark marks the output active again
            }
        }
    }
}
