package org.cdrpipeline.flink.kinesis;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;

/**
 * Per-shard metrics, in the official connector's group layout (flink-connector-aws 6.0's
 * KinesisShardMetrics: KinesisStreamSource.accountId.&lt;id&gt;.region.&lt;region&gt;.stream.&lt;name&gt;
 * .shardId.&lt;id&gt;), so whatever publishes or charts the official connector's metrics (MSF's
 * CloudWatch reporting, a dashboard, an alarm) finds ours under the same names: millisBehindLatest
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
        String[] arn = streamArn.split(":", 6); // arn:aws:kinesis:<region>:<account>:stream/<name>
        group = readerGroup.addGroup("KinesisStreamSource")
                .addGroup("accountId", arn[4])
                .addGroup("region", arn[3])
                .addGroup("stream", arn[5].substring(arn[5].indexOf('/') + 1))
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
