package org.cdrpipeline.flink.kinesis;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Aggregates laid out byte by byte from the KPL's format description, not by our writer. */
class KplAggregateTest {
    private static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};

    private static byte[] field(int number, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(number << 3 | 2);
        out.write(value.length); // every value here is under 128 bytes: a one-byte varint
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] aggregate(byte[] body) throws Exception {
        return concat(MAGIC, body, MessageDigest.getInstance("MD5").digest(body));
    }

    /** Record { partition_key_index = 0 (field 1, varint); data (field 3); tags (field 4) }. */
    private static byte[] record(String data) {
        return concat(new byte[] {0x08, 0x00}, field(3, data.getBytes(StandardCharsets.UTF_8)),
                field(4, field(1, "tag".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void everyUserRecordInOrderWhateverFieldsSurroundIt() throws Exception {
        byte[] body = concat(field(1, "pk".getBytes(StandardCharsets.UTF_8)),
                field(2, "12345".getBytes(StandardCharsets.UTF_8)),
                field(3, record("{\"n\": 1}")), field(3, record("{\"n\": 2}")), field(3, record("")));
        List<byte[]> unpacked = KplAggregate.unpack(aggregate(body));
        assertEquals(3, unpacked.size());
        assertArrayEquals("{\"n\": 1}".getBytes(StandardCharsets.UTF_8), unpacked.get(0));
        assertArrayEquals("{\"n\": 2}".getBytes(StandardCharsets.UTF_8), unpacked.get(1));
        assertArrayEquals(new byte[0], unpacked.get(2));
    }

    @Test
    void anythingElseIsReadWhole() throws Exception {
        byte[] body = field(3, record("{\"n\": 1}"));
        byte[] wrongDigest = aggregate(body);
        wrongDigest[wrongDigest.length - 1] ^= 1;
        assertNull(KplAggregate.unpack(wrongDigest));
        assertNull(KplAggregate.unpack("{\"plain\": true}".getBytes(StandardCharsets.UTF_8)));
        assertNull(KplAggregate.unpack(aggregate(new byte[] {0x1A, 0x7F, 0x08})), "a cut protobuf");
        assertNull(KplAggregate.unpack(aggregate(field(1, "pk-only".getBytes(StandardCharsets.UTF_8)))),
                "no record in it");
        assertNull(KplAggregate.unpack(MAGIC));
    }
}
