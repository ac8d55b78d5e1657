package org.cdrpipeline.flink.dynamodb;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;

import org.cdrpipeline.flink.aws.AwsErrors;
import org.cdrpipeline.flink.aws.Backoff;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Upserts rows into a DynamoDB table with BatchWriteItem, several batches in flight.
 *
 * <p>Order per key: a change waits in the buffer while an earlier change of the same key is in
 * flight, and replaces an earlier change still waiting (the latest wins; BatchWriteItem also
 * refuses one key twice in a batch). Batches of different keys go in parallel.
 *
 * <p>Nothing is lost: every change buffered before a checkpoint is written before the checkpoint
 * completes ({@link #flush}), and upserts are idempotent, so a restore that writes some again
 * leaves the table as the change stream says. Throttling, 5xx, timeouts and refused connections
 * are retried with capped exponential backoff and jitter for as long as they last: a checkpoint
 * then waits, and the job fails only if the outage outlasts the checkpoint timeout. An error
 * that retrying cannot fix (the table does not exist, access denied, a request DynamoDB rejects)
 * fails the job at once, naming the table, the key and the cause. Values DynamoDB cannot store
 * never reach it ({@link ItemConverter}): the column is left out or the item refused, with a log
 * line and a metric.
 */
final class DynamoDbWriter implements SinkWriter<RowData> {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbWriter.class);
    private static final long BACKOFF_BASE_MILLIS = 50;
    private static final long BACKOFF_CAP_MILLIS = 10_000;

    private final DynamoDbSinkConfig config;
    private final DynamoDbClient client;
    private final ProcessingTimeService timers;
    private final ExecutorService senders;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final LinkedHashMap<Map<String, AttributeValue>, Pending> pending = new LinkedHashMap<>();
    private final Set<Map<String, AttributeValue>> inFlight = new HashSet<>();
    private final AtomicInteger failuresInARow = new AtomicInteger();
    private final Counter refusedItems;
    private final Counter droppedAttributes;
    private final Counter retries;
    private int batchesInFlight;
    private long pendingBytes;
    private boolean timerScheduled;
    private volatile IOException fatal;

    private static final class Pending {
        final Map<String, AttributeValue> key;
        final WriteRequest request;
        final int bytes;

        Pending(Map<String, AttributeValue> key, WriteRequest request, int bytes) {
            this.key = key;
            this.request = request;
            this.bytes = bytes;
        }
    }

    DynamoDbWriter(DynamoDbSinkConfig config, ProcessingTimeService timers, MetricGroup metrics) {
        this.config = config;
        this.client = config.newClient();
        this.timers = timers;
        this.senders = Executors.newFixedThreadPool(config.maxInFlight(), runnable -> {
            Thread thread = new Thread(runnable, "dynamodb-writer-" + config.tableName());
            thread.setDaemon(true);
            return thread;
        });
        MetricGroup group = metrics.addGroup("DynamoDbSink").addGroup("table", config.tableName());
        refusedItems = group.counter("refusedItems");
        droppedAttributes = group.counter("droppedAttributes");
        retries = group.counter("retries");
        group.gauge("bufferedItems", () -> pending.size());
    }

    @Override
    public void write(RowData row, Context context) throws IOException {
        throwIfFailed();
        RowKind kind = row.getRowKind();
        if (kind == RowKind.UPDATE_BEFORE) {
            return; // the UPDATE_AFTER that follows overwrites the item
        }
        ItemConverter converter = config.converter();
        ItemConverter.Item item = kind == RowKind.DELETE ? converter.key(row) : converter.item(row);
        if (item.refusal != null) {
            refusedItems.inc();
            LOG.warn("DynamoDB table {}: item {} refused, not written: {}", config.tableName(),
                    converter.describeKey(item.key), item.refusal);
            return;
        }
        if (!item.dropped.isEmpty()) {
            droppedAttributes.inc(item.dropped.size());
            LOG.warn("DynamoDB table {}: item {} written without column(s) {}: NaN, infinite or beyond DynamoDB's"
                    + " number range", config.tableName(), converter.describeKey(item.key), item.dropped);
        }
        WriteRequest request = kind == RowKind.DELETE
                ? WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(item.key).build()).build()
                : WriteRequest.builder().putRequest(PutRequest.builder().item(item.attributes).build()).build();
        lock.lock();
        try {
            Pending replaced = pending.remove(item.key);
            if (replaced != null) {
                pendingBytes -= replaced.bytes;
            }
            pending.put(item.key, new Pending(item.key, request, item.bytes));
            pendingBytes += item.bytes;
            dispatch(false);
            while (pending.size() >= config.maxBuffered()) { // backpressure while DynamoDB is behind
                dispatch(true);
                awaitChange();
                throwIfFailed();
            }
            if (!pending.isEmpty() && !timerScheduled) {
                timerScheduled = true;
                timers.registerTimer(timers.getCurrentProcessingTime() + config.flushTimeoutMillis(), time -> onTimer());
            }
        } finally {
            lock.unlock();
        }
    }

    private void onTimer() {
        lock.lock();
        try {
            timerScheduled = false;
            dispatch(true);
            if (!pending.isEmpty()) { // keys still waiting for their earlier change
                timerScheduled = true;
                timers.registerTimer(timers.getCurrentProcessingTime() + config.flushTimeoutMillis(), time -> onTimer());
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends batches while fewer than {@code sink.requests.max-inflight} are in flight: full ones,
     * or (with {@code all}) whatever is waiting. Holds the lock.
     */
    private void dispatch(boolean all) {
        while (batchesInFlight < config.maxInFlight() && !pending.isEmpty()) {
            boolean full = pending.size() >= config.batchSize() || pendingBytes >= config.flushBufferBytes();
            if (!all && !full) {
                return;
            }
            List<Pending> batch = new ArrayList<>(config.batchSize());
            for (Iterator<Pending> it = pending.values().iterator(); it.hasNext() && batch.size() < config.batchSize(); ) {
                Pending next = it.next();
                if (!inFlight.contains(next.key)) {
                    batch.add(next);
                    it.remove();
                    pendingBytes -= next.bytes;
                    inFlight.add(next.key);
                }
            }
            if (batch.isEmpty()) {
                return; // every waiting key has a change in flight
            }
            batchesInFlight++;
            senders.execute(() -> send(batch));
        }
    }

    /** On a sender thread: writes one batch until every item is acknowledged, or a fatal error. */
    private void send(List<Pending> batch) {
        List<WriteRequest> remaining = new ArrayList<>(batch.size());
        batch.forEach(p -> remaining.add(p.request));
        Backoff backoff = new Backoff(BACKOFF_BASE_MILLIS, BACKOFF_CAP_MILLIS);
        try {
            while (!remaining.isEmpty() && fatal == null) {
                try {
                    BatchWriteItemResponse response = client.batchWriteItem(b -> b.requestItems(
                            Map.of(config.tableName(), List.copyOf(remaining))));
                    List<WriteRequest> unprocessed = response.unprocessedItems().get(config.tableName());
                    remaining.clear();
                    if (unprocessed == null || unprocessed.isEmpty()) {
                        failuresInARow.set(0);
                        break;
                    }
                    remaining.addAll(unprocessed); // throttled: the rest again, after a pause
                    retries.inc();
                    pause(backoff.nextDelayMillis());
                } catch (RuntimeException e) {
                    if (config.failOnError() || !AwsErrors.isTransient(e)) {
                        fail(remaining, e);
                        return;
                    }
                    retries.inc();
                    long delay = backoff.nextDelayMillis();
                    int failures = failuresInARow.incrementAndGet();
                    if (failures <= 3 || failures % 50 == 0) { // every outage is seen, not every retry
                        LOG.warn("BatchWriteItem to DynamoDB table {} failed ({} in a row: {}); retrying {} items in {} ms",
                                config.tableName(), failures, AwsErrors.describe(e), remaining.size(), delay);
                    }
                    pause(delay);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } finally {
            lock.lock();
            try {
                batch.forEach(p -> inFlight.remove(p.key));
                batchesInFlight--;
                dispatch(false);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * A non-retryable error. A batch that DynamoDB rejects as a whole is written item by item
     * to find the item at fault (writing the others twice is harmless: upserts are idempotent),
     * so that the failure names it.
     */
    private void fail(List<WriteRequest> requests, RuntimeException error) {
        if (requests.size() > 1 && "ValidationException".equals(AwsErrors.errorCode(error))) {
            for (WriteRequest request : requests) {
                try {
                    client.batchWriteItem(b -> b.requestItems(Map.of(config.tableName(), List.of(request))));
                } catch (RuntimeException single) {
                    if (!AwsErrors.isTransient(single)) {
                        fail(List.of(request), single);
                        return;
                    }
                }
            }
        }
        Map<String, AttributeValue> key = requests.get(0).putRequest() != null // an item holds its key
                ? requests.get(0).putRequest().item() : requests.get(0).deleteRequest().key();
        fatal = new IOException("Writing to DynamoDB table " + config.tableName() + " failed"
                + (requests.size() == 1 ? " for item " + config.converter().describeKey(key) : "")
                + ": " + AwsErrors.describe(error), error);
        LOG.error(fatal.getMessage());
    }

    private void pause(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    private void awaitChange() {
        try {
            changed.await(50, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void throwIfFailed() throws IOException {
        IOException error = fatal;
        if (error != null) {
            throw error;
        }
    }

    /** Before a checkpoint completes, and at the end of input: everything buffered is written. */
    @Override
    public void flush(boolean endOfInput) throws IOException {
        lock.lock();
        try {
            while (true) {
                throwIfFailed();
                dispatch(true);
                if (pending.isEmpty() && batchesInFlight == 0) {
                    return;
                }
                awaitChange();
                if (Thread.currentThread().isInterrupted()) {
                    throw new IOException("Interrupted while writing to DynamoDB table " + config.tableName());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws Exception {
        senders.shutdownNow();
        senders.awaitTermination(10, TimeUnit.SECONDS);
        client.close();
    }
}
