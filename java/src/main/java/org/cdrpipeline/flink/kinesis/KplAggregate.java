package org.cdrpipeline.flink.kinesis;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Unpacks Kinesis records written in the KPL aggregation format (the Kinesis Producer Library's,
 * also written by aws-kinesis-agg and our own KinesisWriter): magic 0xF3899AC2, an
 * AggregatedRecord protobuf, then the MD5 of that protobuf. Producers pack many small CDRs
 * into one Kinesis record to stay under the 1,000 records/s per-shard limit and to pay one
 * 25 KB PUT unit for ~35 CDRs instead of one each.
 *
 * <p>Hand-parsed (three fields) rather than pulling protobuf-java into the shaded jar. Like
 * the KCL, a record that has the magic but a wrong digest or a malformed body is not an
 * aggregate: it is returned whole, so it reaches the parser and its dead letter, never lost.
 */
final class KplAggregate {
    private static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};
    private static final int DIGEST_BYTES = 16;
    /** AggregatedRecord.records and Record.data are both field 3, length-delimited. */
    private static final int RECORDS_FIELD = 3;
    private static final int DATA_FIELD = 3;

    private KplAggregate() {}

    /** The user records packed in {@code data}, or null when it is not a valid aggregate. */
    static List<byte[]> unpack(byte[] data) {
        int end = data.length - DIGEST_BYTES;
        if (end < MAGIC.length || !Arrays.equals(data, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return null;
        }
        MessageDigest md5 = md5();
        md5.update(data, MAGIC.length, end - MAGIC.length);
        if (!MessageDigest.isEqual(md5.digest(), Arrays.copyOfRange(data, end, data.length))) {
            return null;
        }
        try {
            List<byte[]> records = new ArrayList<>();
            Reader body = new Reader(data, MAGIC.length, end);
            while (body.hasMore()) {
                long tag = body.varint();
                if (tag >>> 3 == RECORDS_FIELD && (tag & 7) == 2) {
                    int length = body.length();
                    records.add(userData(new Reader(data, body.position, body.position + length)));
                    body.position += length;
                } else {
                    body.skip(tag);
                }
            }
            return records.isEmpty() ? null : records;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] userData(Reader record) {
        byte[] found = null;
        while (record.hasMore()) {
            long tag = record.varint();
            if (tag >>> 3 == DATA_FIELD && (tag & 7) == 2) {
                int length = record.length();
                found = Arrays.copyOfRange(record.bytes, record.position, record.position + length);
                record.position += length;
            } else {
                record.skip(tag);
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("aggregated record without data");
        }
        return found;
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is a JDK standard algorithm", e);
        }
    }

    /** Protobuf wire-format reading over bytes[position, limit); IllegalArgumentException when malformed. */
    private static final class Reader {
        final byte[] bytes;
        final int limit;
        int position;

        Reader(byte[] bytes, int position, int limit) {
            this.bytes = bytes;
            this.position = position;
            this.limit = limit;
        }

        boolean hasMore() {
            return position < limit;
        }

        long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (position >= limit) {
                    throw new IllegalArgumentException("truncated varint");
                }
                byte b = bytes[position++];
                value |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("varint over 64 bits");
        }

        int length() {
            long length = varint();
            if (length < 0 || length > limit - position) {
                throw new IllegalArgumentException("length past the end");
            }
            return (int) length;
        }

        void skip(long tag) {
            switch ((int) (tag & 7)) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw new IllegalArgumentException("unknown wire type " + (tag & 7));
            }
        }

        private void advance(int bytesToSkip) {
            if (bytesToSkip > limit - position) {
                throw new IllegalArgumentException("field past the end");
            }
            position += bytesToSkip;
        }
    }
}
