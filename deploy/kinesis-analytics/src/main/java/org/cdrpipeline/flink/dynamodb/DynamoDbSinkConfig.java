package org.cdrpipeline.flink.dynamodb;

import org.cdrpipeline.flink.aws.AwsClientOptions;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.Serializable;

/** The sink's settings, fixed when the job is planned. */
final class DynamoDbSinkConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    private final AwsClientOptions aws;
    private final String tableName;
    private final ItemConverter converter;
    private final int batchSize;
    private final long flushTimeoutMillis;

    DynamoDbSinkConfig(AwsClientOptions aws, String tableName, ItemConverter converter, int batchSize,
                       long flushTimeoutMillis) {
        this.aws = aws;
        this.tableName = tableName;
        this.converter = converter;
        this.batchSize = batchSize;
        this.flushTimeoutMillis = flushTimeoutMillis;
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

    long flushTimeoutMillis() {
        return flushTimeoutMillis;
    }
}
