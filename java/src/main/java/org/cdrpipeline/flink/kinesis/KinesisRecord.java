package org.cdrpipeline.flink.kinesis;

/** One record as fetched, before the format decodes it. */
final class KinesisRecord {
    final byte[] data;
    final String shardId;
    /**
     * The Kinesis sequence number; for a user record unpacked from a KPL aggregate,
     * "sequence:subsequence" (its index in the aggregate), so every CDR keeps a unique place.
     */
    final String sequenceNumber;
    final long arrivalMillis;

    KinesisRecord(byte[] data, String shardId, String sequenceNumber, long arrivalMillis) {
        this.data = data;
        this.shardId = shardId;
        this.sequenceNumber = sequenceNumber;
        this.arrivalMillis = arrivalMillis;
    }

    KinesisRecord subRecord(byte[] userData, int subsequence) {
        return new KinesisRecord(userData, shardId, sequenceNumber + ":" + subsequence, arrivalMillis);
    }
}
