package org.cdrpipeline.flink.dynamodb;

import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.RowType;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ItemConverterTest {
    private static final RowType ROW = (RowType) DataTypes.ROW(
            DataTypes.FIELD("subscriber_id", DataTypes.STRING()),
            DataTypes.FIELD("window_start", DataTypes.TIMESTAMP(3)),
            DataTypes.FIELD("hour", DataTypes.TIMESTAMP(0)),
            DataTypes.FIELD("spend", DataTypes.DECIMAL(12, 4)),
            DataTypes.FIELD("ratio", DataTypes.DOUBLE()),
            DataTypes.FIELD("note", DataTypes.STRING())).getLogicalType();
    private final ItemConverter converter = new ItemConverter(ROW, List.of("subscriber_id", "window_start"), true);

    private static GenericRowData row(String subscriber, LocalDateTime at, double ratio, String note) {
        return GenericRowData.of(subscriber == null ? null : StringData.fromString(subscriber),
                TimestampData.fromLocalDateTime(at), TimestampData.fromLocalDateTime(at.withNano(0)),
                DecimalData.fromBigDecimal(new BigDecimal("12.3400"), 12, 4), ratio,
                note == null ? null : StringData.fromString(note));
    }

    @Test
    void timestampsHaveOneWidthPerColumnAndDecimalsStayExact() {
        ItemConverter.Item whole = converter.item(row("a", LocalDateTime.of(2026, 12, 2, 10, 0), 0.5, null));
        ItemConverter.Item millis = converter.item(row("a", LocalDateTime.of(2026, 12, 2, 10, 0, 0, 250_000_000), 0.5, "x"));
        assertEquals("2026-12-02T10:00:00.000Z", whole.attributes.get("window_start").s());
        assertEquals("2026-12-02T10:00:00.250Z", millis.attributes.get("window_start").s());
        assertEquals("2026-12-02T10:00:00Z", millis.attributes.get("hour").s());
        assertEquals("12.3400", whole.attributes.get("spend").n());
        assertTrue(!whole.attributes.containsKey("note"), "NULL is left out");
        assertEquals(Map.of("subscriber_id", AttributeValue.fromS("a"),
                "window_start", AttributeValue.fromS("2026-12-02T10:00:00.000Z")), whole.key);
    }

    @Test
    void numbersDynamoDbCannotStoreAreLeftOutAndNamed() {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e200, 1e-200}) {
            ItemConverter.Item item = converter.item(row("a", LocalDateTime.of(2026, 12, 2, 10, 0), bad, null));
            assertNull(item.refusal);
            assertEquals(List.of("ratio"), item.dropped, "for " + bad);
            assertTrue(!item.attributes.containsKey("ratio"));
        }
        assertEquals("0.0", converter.item(row("a", LocalDateTime.of(2026, 12, 2, 10, 0), 0.0, null))
                .attributes.get("ratio").n());
    }

    @Test
    void itemsDynamoDbWouldRejectAreRefusedWithAReason() {
        ItemConverter.Item noKey = converter.item(row(null, LocalDateTime.of(2026, 12, 2, 10, 0), 1, null));
        assertEquals("key column 'subscriber_id' is NULL or not storable", noKey.refusal);
        ItemConverter.Item emptyKey = converter.item(row("", LocalDateTime.of(2026, 12, 2, 10, 0), 1, null));
        assertEquals("key column 'subscriber_id' is empty", emptyKey.refusal);
        ItemConverter.Item huge = converter.item(row("a", LocalDateTime.of(2026, 12, 2, 10, 0), 1, "x".repeat(410_000)));
        assertTrue(huge.refusal.startsWith("item of 4"), huge.refusal);
        assertTrue(huge.refusal.endsWith("bytes is over DynamoDB's 400 KB"));
        assertEquals("(subscriber_id=a, window_start=2026-12-02T10:00:00.000Z)", converter.describeKey(huge.key));
    }

    @Test
    void nullsAreWrittenWhenAsked() {
        ItemConverter withNulls = new ItemConverter(ROW, List.of("subscriber_id"), false);
        assertEquals(AttributeValue.fromNul(true),
                withNulls.item(row("a", LocalDateTime.of(2026, 12, 2, 10, 0), 1, null)).attributes.get("note"));
    }

    @Test
    void flushTimeoutReadsTheOfficialMillisecondsAndDurations() {
        assertEquals(200, DynamoDbDynamicTableFactory.flushTimeoutMillis("200"));
        assertEquals(200, DynamoDbDynamicTableFactory.flushTimeoutMillis("200 ms"));
        assertEquals(1000, DynamoDbDynamicTableFactory.flushTimeoutMillis("1 s"));
        assertThrows(IllegalArgumentException.class, () -> DynamoDbDynamicTableFactory.flushTimeoutMillis("soon"));
    }
}
