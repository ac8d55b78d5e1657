package org.cdrpipeline.flink.kinesis;

import org.cdrpipeline.flink.aws.AwsClientOptions;

import software.amazon.awssdk.services.kinesis.KinesisClient;

import java.io.Serializable;

/** Everything a reader or the enumerator needs to know, fixed when the job is planned. */
final class KinesisSourceConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    private final AwsClientOptions aws;
    private final String streamArn;
    private final InitialPosition initialPosition;
    private final long discoveryIntervalMillis;
    private final long idlePollMillis;
    private final int maxRecordsPerCall;
    private final boolean bounded;

    KinesisSourceConfig(AwsClientOptions aws, String streamArn, InitialPosition initialPosition,
                        long discoveryIntervalMillis, long idlePollMillis, int maxRecordsPerCall,
                        boolean bounded) {
        this.aws = aws;
        this.streamArn = streamArn;
        this.initialPosition = initialPosition;
        this.discoveryIntervalMillis = discoveryIntervalMillis;
        this.idlePollMillis = idlePollMillis;
        this.maxRecordsPerCall = maxRecordsPerCall;
        this.bounded = bounded;
    }

    KinesisClient newClient() {
        return aws.build(KinesisClient.builder());
    }

    String streamArn() {
        return streamArn;
    }

    InitialPosition initialPosition() {
        return initialPosition;
    }

    long discoveryIntervalMillis() {
        return discoveryIntervalMillis;
    }

    long idlePollMillis() {
        return idlePollMillis;
    }

    int maxRecordsPerCall() {
        return maxRecordsPerCall;
    }

    boolean bounded() {
        return bounded;
    }
}
