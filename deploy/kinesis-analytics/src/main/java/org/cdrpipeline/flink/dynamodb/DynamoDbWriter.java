package org.cdrpipeline.flink.dynamodb;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Buffers upserts keyed by primary key (a later change to the same key replaces the earlier
 * one, which also keeps BatchWriteItem from rejecting duplicate keys in one batch) and writes
 * them in batches. Everything buffered is written before each checkpoint completes, so with
 * idempotent PutItem the table ends up exactly as the upsert stream says.
 */
final class DynamoDbWriter implements SinkWriter<RowData> {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbWriter.class);
    private static final int MAX_ATTEMPTS = 10;

    private final DynamoDbSinkConfig config;
    private final DynamoDbClient client;
    private final ProcessingTimeService timers;
    private final Map<Map<String, AttributeValue>, WriteRequest> buffer = new LinkedHashMap<>();
    private boolean flushScheduled;

    DynamoDbWriter(DynamoDbSinkConfig config, ProcessingTimeService timers) {
        this.config = config;
        this.client = config.newClient();
        this.timers = timers;
    }

    @Override
    public void write(RowData row, Context context) throws IOException {
        RowKind kind = row.getRowKind();
        if (kind == RowKind.UPDATE_BEFORE) {
            return; // the UPDATE_AFTER that follows overwrites the item
        }
        Map<String, AttributeValue> key = config.converter().key(row);
        WriteRequest request = kind == RowKind.DELETE
                ? WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(key).build()).build()
                : WriteRequest.builder().putRequest(PutRequest.builder().item(config.converter().item(row)).build()).build();
        buffer.remove(key);
        buffer.put(key, request);
        if (buffer.size() >= config.batchSize()) {
            writeFullBatches();
        } else if (!flushScheduled) {
            flushScheduled = true;
            timers.registerTimer(timers.getCurrentProcessingTime() + config.flushTimeoutMillis(), time -> {
                flushScheduled = false;
                flush(false);
            });
        }
    }

    private void writeFullBatches() throws IOException {
        while (buffer.size() >= config.batchSize()) {
            writeBatch(config.batchSize());
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        while (!buffer.isEmpty()) {
            writeBatch(config.batchSize());
        }
    }

    private void writeBatch(int size) throws IOException {
        List<WriteRequest> batch = new ArrayList<>(size);
        var entries = buffer.entrySet().iterator();
        while (entries.hasNext() && batch.size() < size) {
            batch.add(entries.next().getValue());
            entries.remove();
        }
        long backoff = 50;
        for (int attempt = 1; !batch.isEmpty(); attempt++) {
            try {
                BatchWriteItemResponse response = client.batchWriteItem(b -> b.requestItems(
                        Map.of(config.tableName(), batch)));
                batch.clear();
                List<WriteRequest> unprocessed = response.unprocessedItems().get(config.tableName());
                if (unprocessed != null) {
                    batch.addAll(unprocessed);
                }
            } catch (RuntimeException e) {
                if (attempt >= MAX_ATTEMPTS) {
                    throw new IOException("Writing to DynamoDB table " + config.tableName() + " failed", e);
                }
                LOG.warn("BatchWriteItem to {} failed (attempt {}), retrying", config.tableName(), attempt, e);
            }
            if (!batch.isEmpty()) {
                if (attempt >= MAX_ATTEMPTS) {
                    throw new IOException(batch.size() + " items stayed unprocessed by DynamoDB table "
                            + config.tableName() + " after " + MAX_ATTEMPTS + " attempts");
                }
                sleep(backoff);
                backoff = Math.min(5_000, backoff * 2);
            }
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while backing off", e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
