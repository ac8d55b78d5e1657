package org.cdrpipeline.flink.kinesis;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.metrics.NoOpMetricRegistry;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.runtime.metrics.groups.GenericMetricGroup;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardMetricsTest {
    private static final String ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/cdr-events";
    /** The identifier flink-connector-aws 6.0's KinesisShardMetricsTest expects, under a reader group "reader". */
    private static final String OFFICIAL_SCOPE =
            "reader.KinesisStreamSource.accountId.123456789012.region.eu-west-1.stream.cdr-events.shardId.shardId-000000000007.";

    /** Keeps what the groups register, by full identifier, as a metric reporter would see it. */
    private static final class RecordingRegistry extends NoOpMetricRegistry {
        final Map<String, Metric> metrics = new HashMap<>();

        @Override
        public void register(Metric metric, String name, AbstractMetricGroup<?> group) {
            metrics.put(group.getMetricIdentifier(name), metric);
        }

        @Override
        public void unregister(Metric metric, String name, AbstractMetricGroup<?> group) {
            metrics.remove(group.getMetricIdentifier(name));
        }
    }

    @Test
    void registersUnderTheOfficialConnectorsIdentifiers() {
        RecordingRegistry registry = new RecordingRegistry();
        ShardMetrics shard = new ShardMetrics(new GenericMetricGroup(registry, null, "reader"), ARN,
                "shardId-000000000007");

        Gauge<?> behind = (Gauge<?>) registry.metrics.get(OFFICIAL_SCOPE + "millisBehindLatest");
        assertEquals(-1L, behind.getValue(), "before the first read");
        shard.millisBehindLatest(4_200L);
        shard.millisBehindLatest(null); // a response without the figure keeps the last one
        assertEquals(4_200L, behind.getValue());

        shard.read(3, 1_500);
        shard.read(2, 500);
        assertEquals(5, ((Counter) registry.metrics.get(OFFICIAL_SCOPE + "recordsRead")).getCount());
        assertEquals(2_000, ((Counter) registry.metrics.get(OFFICIAL_SCOPE + "bytesRead")).getCount());

        shard.unregister(); // a finished shard leaves no gauge behind
        assertTrue(registry.metrics.isEmpty(), registry.metrics.keySet().toString());
    }
}
