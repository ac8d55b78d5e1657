package org.cdrpipeline.flink.kinesis;

import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;

import org.cdrpipeline.flink.aws.AwsErrors;
import org.cdrpipeline.flink.aws.Backoff;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Polls GetRecords on every shard assigned to this reader, one call per shard per round and
 * never more than 5 a second per shard (Kinesis' quota). Sleeps (interruptibly) when a round
 * brought nothing.
 *
 * <p>Failures are per shard: a throttled or unreachable shard backs off alone (capped
 * exponential backoff with jitter) for as long as the fault lasts and never fails the job; an
 * error that retrying cannot fix (access denied, the stream gone) fails it at once, naming the
 * stream and the cause. A shard that no longer exists while its stream does (deleted, or past
 * retention in an old snapshot) is finished with a warning. An expired iterator is fetched
 * again from the last record handed on, so nothing is skipped.
 */
final class PollingShardReader implements SplitReader<KinesisRecord, ShardSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(PollingShardReader.class);
    private static final long BACKOFF_BASE_MILLIS = 200;
    private static final long BACKOFF_CAP_MILLIS = 10_000;
    /** GetRecords is limited to 5 calls per second per shard. */
    private static final long MIN_CALL_INTERVAL_MILLIS = 200;

    private final KinesisSourceConfig config;
    private final KinesisClient client;
    private final Map<String, ShardMetrics> metrics;
    private final ShardActivities activities;
    private final Map<String, ShardCursor> cursors = new LinkedHashMap<>();
    private final Set<String> paused = new HashSet<>();
    private final Object sleeper = new Object();
    /** A bounded read's end for splits that carry none (restored from an unbounded run). */
    private final long startedAtMillis = System.currentTimeMillis();
    private volatile boolean wakeUp;

    PollingShardReader(KinesisSourceConfig config, Map<String, ShardMetrics> metrics,
                       ShardActivities activities) {
        this.config = config;
        this.client = config.newClient();
        this.metrics = metrics;
        this.activities = activities;
    }

    /** Per-shard position: the live iterator and the last sequence number handed downstream. */
    private static final class ShardCursor {
        final ShardSplit split;
        final Backoff backoff = new Backoff(BACKOFF_BASE_MILLIS, BACKOFF_CAP_MILLIS);
        String iterator;
        String lastSequenceNumber;
        long nextCallMillis;

        final long stopAtMillis;

        ShardCursor(ShardSplit split, long stopAtMillis) {
            this.split = split;
            this.stopAtMillis = stopAtMillis;
        }

        String id() {
            return split.splitId();
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
            if (paused.contains(cursor.id())) {
                continue;
            }
            long now = System.currentTimeMillis();
            if (now < cursor.nextCallMillis) {
                earliestNextCall = Math.min(earliestNextCall, cursor.nextCallMillis);
                continue;
            }
            cursor.nextCallMillis = now + MIN_CALL_INTERVAL_MILLIS;
            called = true;
            boolean finished;
            try {
                int[] read = new int[1];
                finished = poll(cursor, batch, read);
                fetched += read[0];
                cursor.backoff.reset();
            } catch (ExpiredIteratorException e) {
                LOG.info("Iterator of shard {} expired; reading again after {}", cursor.id(),
                        cursor.lastSequenceNumber == null ? cursor.split.start() : cursor.lastSequenceNumber);
                cursor.iterator = null;
                continue;
            } catch (ResourceNotFoundException e) {
                failIfStreamGone(e);
                LOG.warn("Shard {} of {} no longer exists (deleted, or past the stream's retention); finishing"
                        + " it. {}", cursor.id(), config.streamArn(), AwsErrors.describe(e));
                finished = true;
            } catch (RuntimeException e) {
                ShardActivity activity = activities.get(cursor.id());
                if (activity != null) {
                    activity.pollFailed();
                }
                if (!AwsErrors.isTransient(e)) {
                    throw new IOException("Reading shard " + cursor.id() + " of Kinesis stream " + config.streamArn()
                            + " failed: " + AwsErrors.describe(e), e);
                }
                long delay = cursor.backoff.nextDelayMillis();
                cursor.nextCallMillis = System.currentTimeMillis() + delay;
                int failures = cursor.backoff.failures();
                if (failures <= 3 || failures % 20 == 0) { // every fault is seen, not every retry of it
                    LOG.warn("Reading shard {} failed ({} in a row: {}); retrying in {} ms", cursor.id(), failures,
                            AwsErrors.describe(e), delay);
                }
                continue;
            }
            if (finished) {
                batch.addFinishedSplit(cursor.id());
                cursors.remove(cursor.id());
                finishedAny = true;
            }
        }
        if (!called && earliestNextCall != Long.MAX_VALUE) {
            pause(Math.max(1, earliestNextCall - System.currentTimeMillis())); // wait for the next slot
        } else if (fetched == 0 && !finishedAny) {
            // Nothing new anywhere: the next round starts an idle interval after this one started,
            // so the time the calls took is not added to a record's wait.
            pause(Math.max(1, roundStart + config.idlePollMillis() - System.currentTimeMillis()));
        }
        wakeUp = false;
        return batch.build();
    }

    /** One GetRecords call; adds what it read to the batch and its count to read[0]; returns whether the shard is finished. */
    private boolean poll(ShardCursor cursor, RecordsBySplits.Builder<KinesisRecord> batch, int[] read) {
        GetRecordsResponse response = getRecords(cursor);
        ShardMetrics shardMetrics = metrics.get(cursor.id());
        long bytes = 0;
        boolean pastEnd = false;
        for (Record record : response.records()) {
            long arrival = record.approximateArrivalTimestamp() == null
                    ? 0L : record.approximateArrivalTimestamp().toEpochMilli();
            if (arrival > cursor.stopAtMillis) {
                pastEnd = true; // bounded: arrived after the job started
                break;
            }
            byte[] data = record.data().asByteArrayUnsafe();
            batch.add(cursor.id(), new KinesisRecord(data, cursor.id(), record.sequenceNumber(), arrival));
            cursor.lastSequenceNumber = record.sequenceNumber();
            bytes += data.length;
            read[0]++;
        }
        if (shardMetrics != null) {
            shardMetrics.read(response.records().size(), bytes);
            shardMetrics.millisBehindLatest(response.millisBehindLatest());
        }
        cursor.iterator = response.nextShardIterator();
        boolean closed = cursor.iterator == null;
        boolean caughtUp = response.records().isEmpty()
                && response.millisBehindLatest() != null && response.millisBehindLatest() == 0;
        ShardActivity activity = activities.get(cursor.id());
        if (activity != null) {
            activity.polled(read[0], caughtUp);
        }
        if (closed || pastEnd || (config.bounded() && caughtUp)) {
            LOG.info("Shard {} finished ({})", cursor.id(),
                    closed ? "closed, read to its end" : pastEnd ? "read up to the bounded end" : "caught up");
            return true;
        }
        return false;
    }

    private GetRecordsResponse getRecords(ShardCursor cursor) {
        if (cursor.iterator == null) {
            StartPosition from = cursor.lastSequenceNumber == null
                    ? cursor.split.start()
                    : StartPosition.afterSequenceNumber(cursor.lastSequenceNumber);
            GetShardIteratorRequest.Builder request = GetShardIteratorRequest.builder()
                    .streamARN(config.streamArn())
                    .shardId(cursor.id());
            cursor.iterator = client.getShardIterator(from.applyTo(request).build()).shardIterator();
        }
        return client.getRecords(GetRecordsRequest.builder()
                .streamARN(config.streamArn())
                .shardIterator(cursor.iterator)
                .limit(config.maxRecordsPerCall())
                .build());
    }

    /** A missing shard is finished; a missing stream is a configuration error. */
    private void failIfStreamGone(ResourceNotFoundException shardError) throws IOException {
        try {
            client.describeStreamSummary(r -> r.streamARN(config.streamArn()));
        } catch (ResourceNotFoundException streamError) {
            throw new IOException("Kinesis stream " + config.streamArn() + " does not exist: "
                    + AwsErrors.describe(streamError), streamError);
        } catch (RuntimeException unknown) {
            // Cannot tell now: treat the shard as gone (it was reported so).
            LOG.warn("Could not check that stream {} exists: {}", config.streamArn(), AwsErrors.describe(unknown));
        }
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
            long stopAt = !config.bounded() ? ShardSplit.NO_STOP
                    : split.stopAtMillis() != ShardSplit.NO_STOP ? split.stopAtMillis() : startedAtMillis;
            cursors.put(split.splitId(), new ShardCursor(split, stopAt));
        }
    }

    /** Watermark alignment: a paused shard is not polled until resumed; its iterator is kept. */
    @Override
    public void pauseOrResumeSplits(Collection<ShardSplit> toPause, Collection<ShardSplit> toResume) {
        toPause.forEach(split -> paused.add(split.splitId()));
        toResume.forEach(split -> paused.remove(split.splitId()));
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
