package org.cdrpipeline.flink.kinesis;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;

/**
 * Per-shard metrics, in the official connector's group layout
 * (KinesisStreamSource.stream.&lt;name&gt;.shardId.&lt;id&gt;), so MSF publishes them to
 * CloudWatch at the shard level and the same dashboards and alarms work: millisBehindLatest
 * (how far the reader is behind the shard's newest record, -1 before the first read),
 * recordsRead (Kinesis records, an aggregate counting once) and bytesRead. Written by the
 * fetcher thread, read by the metric reporters.
 */
final class ShardMetrics {
    private final MetricGroup group;
    private final Counter recordsRead;
    private final Counter bytesRead;
    private volatile long millisBehindLatest = -1;

    ShardMetrics(MetricGroup readerGroup, String streamArn, String shardId) {
        group = readerGroup.addGroup("KinesisStreamSource")
                .addGroup("stream", streamArn.substring(streamArn.lastIndexOf('/') + 1))
                .addGroup("shardId", shardId);
        group.gauge("millisBehindLatest", () -> millisBehindLatest);
        recordsRead = group.counter("recordsRead");
        bytesRead = group.counter("bytesRead");
    }

    void millisBehindLatest(Long millis) {
        if (millis != null) {
            millisBehindLatest = millis;
        }
    }

    void read(int records, long bytes) {
        recordsRead.inc(records);
        bytesRead.inc(bytes);
    }

    void unregister() {
        if (group instanceof AbstractMetricGroup) {
            ((AbstractMetricGroup<?>) group).close();
        }
    }
}
