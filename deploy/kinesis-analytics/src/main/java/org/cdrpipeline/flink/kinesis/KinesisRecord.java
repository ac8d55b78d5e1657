package org.cdrpipeline.flink.kinesis;

/** One record as fetched, before the format decodes it. */
final class KinesisRecord {
    final byte[] data;
    final String shardId;
    final String sequenceNumber;
    final long arrivalMillis;

    KinesisRecord(byte[] data, String shardId, String sequenceNumber, long arrivalMillis) {
        this.data = data;
        this.shardId = shardId;
        this.sequenceNumber = sequenceNumber;
        this.arrivalMillis = arrivalMillis;
    }
}
