package org.cdrpipeline.flink.dynamodb;

import org.cdrpipeline.flink.aws.AwsClientOptions;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.Serializable;

/** The sink's settings, fixed when the job is planned. */
final class DynamoDbSinkConfig implements Serializable {
    private static final long serialVersionUID = 2L;

    private final AwsClientOptions aws;
    private final String tableName;
    private final ItemConverter converter;
    private final int batchSize;
    private final int maxInFlight;
    private final int maxBuffered;
    private final long flushBufferBytes;
    private final long flushTimeoutMillis;
    private final boolean failOnError;

    DynamoDbSinkConfig(AwsClientOptions aws, String tableName, ItemConverter converter, int batchSize,
                       int maxInFlight, int maxBuffered, long flushBufferBytes, long flushTimeoutMillis,
                       boolean failOnError) {
        this.aws = aws;
        this.tableName = tableName;
        this.converter = converter;
        this.batchSize = batchSize;
        this.maxInFlight = maxInFlight;
        this.maxBuffered = maxBuffered;
        this.flushBufferBytes = flushBufferBytes;
        this.flushTimeoutMillis = flushTimeoutMillis;
        this.failOnError = failOnError;
    }

    DynamoDbClient newClient() {
        return aws.build(DynamoDbClient.builder());
    }

    String tableName() {
        return tableName;
    }

    ItemConverter converter() {
        return converter;
    }

    int batchSize() {
        return batchSize;
    }

    int maxInFlight() {
        return maxInFlight;
    }

    int maxBuffered() {
        return maxBuffered;
    }

    long flushBufferBytes() {
        return flushBufferBytes;
    }

    long flushTimeoutMillis() {
        return flushTimeoutMillis;
    }

    boolean failOnError() {
        return failOnError;
    }
}
