package org.cdrpipeline.flink.kinesis;

import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.Record;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Polls GetRecords on every shard assigned to this reader, one call per shard per fetch and
 * never more than 5 a second per shard (Kinesis' quota). Sleeps (interruptibly) when a round
 * brought nothing.
 */
final class PollingShardReader implements SplitReader<KinesisRecord, ShardSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(PollingShardReader.class);
    private static final long MAX_BACKOFF_MILLIS = 5_000;
    /** Transient errors (network, 5xx) in a row before the job fails and restarts from a checkpoint. */
    private static final int MAX_CONSECUTIVE_FAILURES = 20;
    /** GetRecords is limited to 5 calls per second per shard. */
    private static final long MIN_CALL_INTERVAL_MILLIS = 200;

    private final KinesisSourceConfig config;
    private final KinesisClient client;
    private final Map<String, ShardCursor> cursors = new LinkedHashMap<>();
    private final Object sleeper = new Object();
    private volatile boolean wakeUp;
    private long backoffMillis;
    private int consecutiveFailures;

    PollingShardReader(KinesisSourceConfig config) {
        this.config = config;
        this.client = config.newClient();
    }

    /** Per-shard position: the live iterator and the last sequence number handed downstream. */
    private static final class ShardCursor {
        final ShardSplit split;
        String iterator;
        String lastSequenceNumber;
        long nextCallMillis;

        ShardCursor(ShardSplit split) {
            this.split = split;
        }
    }

    @Override
    public RecordsWithSplitIds<KinesisRecord> fetch() throws IOException {
        RecordsBySplits.Builder<KinesisRecord> batch = new RecordsBySplits.Builder<>();
        long roundStart = System.currentTimeMillis();
        int fetched = 0;
        boolean finishedAny = false;
        long earliestNextCall = Long.MAX_VALUE;
        boolean called = false;
        for (ShardCursor cursor : new ArrayList<>(cursors.values())) {
            if (wakeUp) {
                break;
            }
            long now = System.currentTimeMillis();
            if (now < cursor.nextCallMillis) {
                earliestNextCall = Math.min(earliestNextCall, cursor.nextCallMillis);
                continue;
            }
            cursor.nextCallMillis = now + MIN_CALL_INTERVAL_MILLIS;
            called = true;
            try {
                GetRecordsResponse response = getRecords(cursor);
                backoffMillis = 0;
                consecutiveFailures = 0;
                for (Record record : response.records()) {
                    batch.add(cursor.split.splitId(),
                            new KinesisRecord(record.data().asByteArrayUnsafe(), cursor.split.splitId(),
                                    record.sequenceNumber(),
                                    record.approximateArrivalTimestamp() == null
                                            ? 0L : record.approximateArrivalTimestamp().toEpochMilli()));
                    cursor.lastSequenceNumber = record.sequenceNumber();
                }
                fetched += response.records().size();
                cursor.iterator = response.nextShardIterator();
                boolean closed = cursor.iterator == null;
                boolean caughtUp = response.records().isEmpty()
                        && response.millisBehindLatest() != null
                        && response.millisBehindLatest() == 0;
                if (closed || (config.bounded() && caughtUp)) {
                    LOG.info("Shard {} finished ({})", cursor.split.splitId(), closed ? "closed" : "caught up");
                    batch.addFinishedSplit(cursor.split.splitId());
                    cursors.remove(cursor.split.splitId());
                    finishedAny = true;
                }
            } catch (ExpiredIteratorException e) {
                cursor.iterator = null; // re-acquired from the last sequence number next round
            } catch (ProvisionedThroughputExceededException | LimitExceededException e) {
                backoffMillis = Math.min(MAX_BACKOFF_MILLIS, Math.max(200, backoffMillis * 2));
                LOG.warn("Throttled on shard {}; backing off {} ms", cursor.split.splitId(), backoffMillis);
            } catch (SdkClientException | KinesisException e) {
                boolean transient_ = !(e instanceof KinesisException) || ((KinesisException) e).statusCode() >= 500;
                if (!transient_ || ++consecutiveFailures > MAX_CONSECUTIVE_FAILURES) {
                    throw new IOException("Reading shard " + cursor.split.splitId() + " failed", e);
                }
                backoffMillis = Math.min(MAX_BACKOFF_MILLIS, Math.max(200, backoffMillis * 2));
                LOG.warn("Reading shard {} failed ({} in a row); retrying in {} ms",
                        cursor.split.splitId(), consecutiveFailures, backoffMillis, e);
            }
        }
        if (!called && earliestNextCall != Long.MAX_VALUE) {
            pause(Math.max(1, earliestNextCall - System.currentTimeMillis())); // quota: wait for the next slot
        } else if (fetched == 0 && !finishedAny) {
            // Nothing new anywhere: the next round starts an idle interval after this one started,
            // so the time the calls took is not added to a record's wait.
            pause(Math.max(1, Math.max(roundStart + config.idlePollMillis() - System.currentTimeMillis(),
                    backoffMillis)));
        }
        wakeUp = false;
        return batch.build();
    }

    private GetRecordsResponse getRecords(ShardCursor cursor) {
        if (cursor.iterator == null) {
            StartPosition from = cursor.lastSequenceNumber == null
                    ? cursor.split.start()
                    : StartPosition.afterSequenceNumber(cursor.lastSequenceNumber);
            GetShardIteratorRequest.Builder request = GetShardIteratorRequest.builder()
                    .streamARN(config.streamArn())
                    .shardId(cursor.split.splitId());
            cursor.iterator = client.getShardIterator(from.applyTo(request).build()).shardIterator();
        }
        return client.getRecords(GetRecordsRequest.builder()
                .streamARN(config.streamArn())
                .shardIterator(cursor.iterator)
                .limit(config.maxRecordsPerCall())
                .build());
    }

    private void pause(long millis) {
        synchronized (sleeper) {
            if (wakeUp) {
                return;
            }
            try {
                sleeper.wait(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void handleSplitsChanges(SplitsChange<ShardSplit> change) {
        if (!(change instanceof SplitsAddition)) {
            throw new UnsupportedOperationException("Unsupported split change " + change);
        }
        for (ShardSplit split : change.splits()) {
            cursors.put(split.splitId(), new ShardCursor(split));
        }
    }

    @Override
    public void wakeUp() {
        synchronized (sleeper) {
            wakeUp = true;
            sleeper.notifyAll();
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
