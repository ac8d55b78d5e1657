package org.cdrpipeline.flink.dynamodb;

import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimestampType;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a row into a DynamoDB item. Numbers (DECIMAL included, as exact plain strings) become
 * N, text S, booleans BOOL; timestamps become ISO-8601 UTC strings of one width per column
 * (seconds for TIMESTAMP(0), milliseconds otherwise), so they sort as text. NULL columns are
 * left out of the item (or written as NULL with {@code sink.ignore-nulls} = false).
 *
 * <p>What DynamoDB cannot store is caught here, not by a request DynamoDB refuses (which would
 * fail the job on every restart): a NaN or infinite number, or one beyond DynamoDB's range, is
 * left out of the item and named in {@link Item#dropped}; an item over 400 KB, or whose key is
 * NULL or empty, is refused ({@link Item#refusal}).
 */
final class ItemConverter implements Serializable {
    private static final long serialVersionUID = 2L;
    /** DynamoDB's item size limit, attribute names included. */
    static final int MAX_ITEM_BYTES = 400 * 1024;
    private static final BigDecimal MAX_NUMBER = new BigDecimal("9.9999999999999999999999999999999999999E+125");
    private static final BigDecimal MIN_POSITIVE = new BigDecimal("1E-130");
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'");
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'");

    private final String[] names;
    private final RowData.FieldGetter[] getters;
    private final LogicalType[] types;
    private final int[] keyPositions;
    private final boolean ignoreNulls;

    ItemConverter(RowType rowType, List<String> primaryKey, boolean ignoreNulls) {
        int n = rowType.getFieldCount();
        names = rowType.getFieldNames().toArray(new String[0]);
        types = new LogicalType[n];
        getters = new RowData.FieldGetter[n];
        for (int i = 0; i < n; i++) {
            types[i] = rowType.getTypeAt(i);
            checkSupported(names[i], types[i]);
            getters[i] = RowData.createFieldGetter(types[i], i);
        }
        keyPositions = primaryKey.stream().mapToInt(rowType::getFieldIndex).toArray();
        this.ignoreNulls = ignoreNulls;
    }

    /** A converted row: the item and its key, the columns left out, or why it is refused. */
    static final class Item {
        final Map<String, AttributeValue> key;
        final Map<String, AttributeValue> attributes;
        final List<String> dropped;
        final String refusal;
        final int bytes;

        Item(Map<String, AttributeValue> key, Map<String, AttributeValue> attributes, List<String> dropped,
             String refusal, int bytes) {
            this.key = key;
            this.attributes = attributes;
            this.dropped = dropped;
            this.refusal = refusal;
            this.bytes = bytes;
        }
    }

    private static void checkSupported(String name, LogicalType type) {
        switch (type.getTypeRoot()) {
            case CHAR: case VARCHAR: case BOOLEAN: case TINYINT: case SMALLINT: case INTEGER:
            case BIGINT: case FLOAT: case DOUBLE: case DECIMAL: case DATE:
            case TIMESTAMP_WITHOUT_TIME_ZONE: case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return;
            case ARRAY:
                LogicalType element = ((ArrayType) type).getElementType();
                if (element.getTypeRoot() == LogicalTypeRoot.VARCHAR || element.getTypeRoot() == LogicalTypeRoot.CHAR) {
                    return; // a list of strings: a DynamoDB list (L) of S, order kept
                }
                throw new IllegalArgumentException("DynamoDB sink: column '" + name + "' is an array of "
                        + element + "; only arrays of strings are mapped (to a list).");
            default:
                throw new IllegalArgumentException("DynamoDB sink: column '" + name + "' has type "
                        + type + ", which has no DynamoDB mapping here.");
        }
    }

    /** The key alone (a DELETE), or a refusal if a key column is NULL or empty. */
    Item key(RowData row) {
        Map<String, AttributeValue> key = new HashMap<>();
        for (int i : keyPositions) {
            Object value = getters[i].getFieldOrNull(row);
            AttributeValue attribute = value == null ? null : attribute(i, value);
            if (attribute == null || (attribute.s() != null && attribute.s().isEmpty())) {
                return new Item(key, null, List.of(), "key column '" + names[i] + "' is "
                        + (attribute == null ? "NULL or not storable" : "empty"), 0);
            }
            key.put(names[i], attribute);
        }
        return new Item(key, null, List.of(), null, 0);
    }

    /** The whole item (an upsert). */
    Item item(RowData row) {
        Item key = key(row);
        if (key.refusal != null) {
            return key;
        }
        Map<String, AttributeValue> item = new HashMap<>();
        List<String> dropped = new ArrayList<>();
        int bytes = 0;
        for (int i = 0; i < names.length; i++) {
            Object value = getters[i].getFieldOrNull(row);
            AttributeValue attribute;
            if (value == null) {
                if (ignoreNulls) {
                    continue;
                }
                attribute = AttributeValue.fromNul(true);
            } else {
                attribute = attribute(i, value);
                if (attribute == null) {
                    dropped.add(names[i]);
                    continue;
                }
            }
            item.put(names[i], attribute);
            bytes += names[i].getBytes(StandardCharsets.UTF_8).length + size(attribute);
        }
        if (bytes > MAX_ITEM_BYTES) {
            return new Item(key.key, null, dropped, "item of " + bytes + " bytes is over DynamoDB's 400 KB", bytes);
        }
        return new Item(key.key, item, dropped, null, bytes);
    }

    /** Null when the value cannot be stored: NaN, infinite, or beyond DynamoDB's number range. */
    private AttributeValue attribute(int column, Object value) {
        LogicalType type = types[column];
        switch (type.getTypeRoot()) {
            case BOOLEAN:
                return AttributeValue.fromBool((Boolean) value);
            case FLOAT: case DOUBLE:
                double number = ((Number) value).doubleValue();
                if (Double.isNaN(number) || Double.isInfinite(number)) {
                    return null;
                }
                return storableNumber(new BigDecimal(value.toString())) ? AttributeValue.fromN(value.toString()) : null;
            case TINYINT: case SMALLINT: case INTEGER: case BIGINT:
                return AttributeValue.fromN(value.toString());
            case DECIMAL:
                return AttributeValue.fromN(
                        ((org.apache.flink.table.data.DecimalData) value).toBigDecimal().toPlainString());
            case DATE:
                return AttributeValue.fromS(LocalDate.ofEpochDay((Integer) value).toString());
            case ARRAY:
                ArrayData array = (ArrayData) value;
                List<AttributeValue> strings = new ArrayList<>(array.size());
                for (int i = 0; i < array.size(); i++) {
                    strings.add(array.isNullAt(i) ? AttributeValue.fromNul(true)
                            : AttributeValue.fromS(array.getString(i).toString()));
                }
                return AttributeValue.fromL(strings);
            case TIMESTAMP_WITHOUT_TIME_ZONE: case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                DateTimeFormatter format = precision(type) == 0 ? SECONDS : MILLIS;
                return AttributeValue.fromS(format.format(
                        ((TimestampData) value).toLocalDateTime().atOffset(ZoneOffset.UTC)));
            default:
                return AttributeValue.fromS(value.toString());
        }
    }

    private static int precision(LogicalType type) {
        return type instanceof TimestampType ? ((TimestampType) type).getPrecision()
                : ((LocalZonedTimestampType) type).getPrecision();
    }

    private static boolean storableNumber(BigDecimal number) {
        BigDecimal magnitude = number.abs();
        return magnitude.signum() == 0 || (magnitude.compareTo(MAX_NUMBER) <= 0 && magnitude.compareTo(MIN_POSITIVE) >= 0);
    }

    /** An attribute's size as DynamoDB counts it (strings UTF-8; numbers about a byte per two digits). */
    private static int size(AttributeValue value) {
        if (value.s() != null) {
            return value.s().getBytes(StandardCharsets.UTF_8).length;
        }
        if (value.n() != null) {
            return value.n().length() / 2 + 2;
        }
        if (value.hasL()) {
            int total = 3;
            for (AttributeValue element : value.l()) {
                total += 1 + size(element);
            }
            return total;
        }
        return 1;
    }

    String describeKey(Map<String, AttributeValue> key) {
        StringBuilder text = new StringBuilder();
        for (int i : keyPositions) {
            AttributeValue value = key.get(names[i]);
            text.append(text.length() == 0 ? "" : ", ").append(names[i]).append('=')
                    .append(value == null ? "NULL" : value.s() != null ? value.s() : value.n());
        }
        return "(" + text + ")";
    }
}
