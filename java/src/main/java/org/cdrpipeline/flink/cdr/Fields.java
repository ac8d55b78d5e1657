package org.cdrpipeline.flink.cdr;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.DateTimeException;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Typed reads of one JSON object's fields, each rejecting with the reason codes of
 * domain/cdr.py (the contract's reference implementation; tests/unit/test_parse_agreement.py
 * runs both over the same records and requires the same verdicts).
 */
final class Fields {
    static final int MAX_ID = 128;
    static final int MAX_TEXT = 1024;
    /** Upper bound of durations, byte counts and QoS figures: far above any real value. */
    static final double MAX_MEASURE = 1e12;
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

    private final JsonNode object;
    private final String path;

    Fields(JsonNode object, String path) {
        this.object = object;
        this.path = path;
    }

    String name(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    /** The node, or null when absent or JSON null. */
    private JsonNode get(String field) {
        JsonNode node = object.get(field);
        return node == null || node.isNull() ? null : node;
    }

    private JsonNode require(String field) throws Reject {
        JsonNode node = get(field);
        if (node == null) {
            throw new Reject("MISSING_FIELD", name(field) + " is required");
        }
        return node;
    }

    Fields object(String field, boolean required) throws Reject {
        JsonNode node = required ? require(field) : get(field);
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            throw new Reject("WRONG_TYPE", name(field) + " must be an object");
        }
        return new Fields(node, name(field));
    }

    String text(String field, boolean required, int maxLength) throws Reject {
        JsonNode node = required ? require(field) : get(field);
        if (node == null) {
            return null;
        }
        if (!node.isTextual()) {
            throw new Reject("WRONG_TYPE", name(field) + " must be a string");
        }
        String value = node.textValue();
        if (value.length() > maxLength) {
            throw new Reject("FIELD_TOO_LONG", name(field) + " is longer than " + maxLength + " characters");
        }
        if (required && value.isBlank()) {
            throw new Reject("MISSING_FIELD", name(field) + " is empty");
        }
        return value;
    }

    String id(String field, boolean required) throws Reject {
        return text(field, required, MAX_ID);
    }

    String oneOf(String field, boolean required, Set<String> allowed) throws Reject {
        String value = text(field, required, MAX_ID);
        if (value != null && !allowed.contains(value)) {
            throw new Reject("INVALID_ENUM", name(field) + " must be one of " + allowed + ", got '" + value + "'");
        }
        return value;
    }

    String matching(String field, Pattern pattern, String what) throws Reject {
        String value = text(field, false, MAX_ID);
        if (value != null && !pattern.matcher(value).matches()) {
            throw new Reject("INVALID_VALUE", name(field) + " must be " + what + ", got '" + value + "'");
        }
        return value;
    }

    String country(String field) throws Reject {
        return matching(field, COUNTRY, "an ISO 3166-1 alpha-2 code");
    }

    String currency(String field) throws Reject {
        return matching(field, CURRENCY, "an ISO 4217 code");
    }

    Instant timestamp(String field, boolean required) throws Reject {
        String value = text(field, required, 64);
        if (value == null) {
            return null;
        }
        Instant instant;
        try {
            instant = IsoInstant.parse(value);
        } catch (DateTimeException e) {
            throw new Reject("INVALID_TIMESTAMP", name(field) + " is not a real date-time: '" + value + "'");
        }
        if (instant == null) {
            throw new Reject("INVALID_TIMESTAMP", name(field) + " must be ISO 8601 with an offset, got '" + value + "'");
        }
        return instant;
    }

    /** A JSON number within [min, max]; below zero is NEGATIVE_VALUE when min is zero. */
    Double number(String field, double min, double max) throws Reject {
        JsonNode node = get(field);
        if (node == null) {
            return null;
        }
        if (!node.isNumber()) {
            throw new Reject("WRONG_TYPE", name(field) + " must be a number");
        }
        double value = node.doubleValue();
        checkRange(field, value, min, max);
        return value;
    }

    Long integer(String field, long min) throws Reject {
        return integer(field, min, MAX_MEASURE);
    }

    Long integer(String field, long min, double max) throws Reject {
        JsonNode node = get(field);
        if (node == null) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new Reject("WRONG_TYPE", name(field) + " must be an integer");
        }
        long value = node.longValue();
        checkRange(field, value, min, max);
        return value;
    }

    private void checkRange(String field, double value, double min, double max) throws Reject {
        if (value < min && min == 0) {
            throw new Reject("NEGATIVE_VALUE", name(field) + " must not be negative, got " + value);
        }
        if (value < min || value > max || Double.isNaN(value)) {
            throw new Reject("INVALID_VALUE", name(field) + " must be within " + min + ".." + max + ", got " + value);
        }
    }

    /** Money: exact decimal from the JSON text, rounded half-up to 6 places, never via double. */
    BigDecimal money(String field) throws Reject {
        JsonNode node = get(field);
        if (node == null) {
            return null;
        }
        if (!node.isNumber()) {
            throw new Reject("WRONG_TYPE", name(field) + " must be a number");
        }
        return node.decimalValue().setScale(6, RoundingMode.HALF_UP);
    }

    String[] texts(String field) throws Reject {
        JsonNode node = get(field);
        if (node == null) {
            return null;
        }
        if (!node.isArray()) {
            throw new Reject("WRONG_TYPE", name(field) + " must be an array of strings");
        }
        String[] values = new String[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode item = node.get(i);
            if (!item.isTextual()) {
                throw new Reject("WRONG_TYPE", name(field) + "[" + i + "] must be a string");
            }
            values[i] = item.textValue();
        }
        return values;
    }
}
