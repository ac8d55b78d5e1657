package org.cdrpipeline.flink.dynamodb;

import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.Serializable;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a row into a DynamoDB item. Numbers (DECIMAL included, as exact plain strings) become
 * N, text S, booleans BOOL; timestamps become ISO 8601 UTC strings so that they sort and read
 * the same everywhere. NULL columns are left out of the item, as DynamoDB users expect.
 */
final class ItemConverter implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'");
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'");

    private final String[] names;
    private final RowData.FieldGetter[] getters;
    private final LogicalType[] types;
    private final int[] keyPositions;

    ItemConverter(RowType rowType, List<String> primaryKey) {
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

    Map<String, AttributeValue> item(RowData row) {
        Map<String, AttributeValue> item = new HashMap<>();
        for (int i = 0; i < names.length; i++) {
            Object value = getters[i].getFieldOrNull(row);
            if (value != null) {
                item.put(names[i], attribute(types[i], value));
            }
        }
        return item;
    }

    Map<String, AttributeValue> key(RowData row) {
        Map<String, AttributeValue> key = new HashMap<>();
        for (int i : keyPositions) {
            Object value = getters[i].getFieldOrNull(row);
            if (value == null) {
                throw new IllegalArgumentException("DynamoDB sink: key column '" + names[i] + "' is NULL.");
            }
            key.put(names[i], attribute(types[i], value));
        }
        return key;
    }

    private static AttributeValue attribute(LogicalType type, Object value) {
        switch (type.getTypeRoot()) {
            case BOOLEAN:
                return AttributeValue.fromBool((Boolean) value);
            case TINYINT: case SMALLINT: case INTEGER: case BIGINT: case FLOAT: case DOUBLE:
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
                TimestampData ts = (TimestampData) value;
                DateTimeFormatter format = ts.getMillisecond() % 1000 == 0 ? SECONDS : MILLIS;
                return AttributeValue.fromS(format.format(ts.toLocalDateTime().atOffset(ZoneOffset.UTC)));
            default:
                return AttributeValue.fromS(value.toString());
        }
    }
}
