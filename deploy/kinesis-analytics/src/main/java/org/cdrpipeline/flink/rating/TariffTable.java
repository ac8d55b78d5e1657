package org.cdrpipeline.flink.rating;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tariffs by E.164 prefix; a number is rated by its longest matching prefix. Built from the
 * tariff CSV that udfs/rating.py has already loaded and checked (TariffTable.to_csv), so a
 * problem here is a bug, not an operator's typo.
 */
final class TariffTable implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final BigDecimal SIXTY = BigDecimal.valueOf(60);

    static final class Tariff implements Serializable {
        private static final long serialVersionUID = 1L;
        final String prefix;
        final String destination;
        final BigDecimal ratePerMinute;
        final BigDecimal connectFee;
        final long initialIncrement;
        final long subsequentIncrement;

        Tariff(List<String> fields) {
            prefix = fields.get(0);
            destination = fields.get(1);
            ratePerMinute = new BigDecimal(fields.get(2));
            connectFee = new BigDecimal(fields.get(3));
            initialIncrement = Long.parseLong(fields.get(4));
            subsequentIncrement = Long.parseLong(fields.get(5));
        }

        /** The first increment whole, then whole subsequent increments. */
        long billableSeconds(long talkSeconds) {
            if (talkSeconds <= 0) {
                return 0;
            }
            if (talkSeconds <= initialIncrement) {
                return initialIncrement;
            }
            long steps = Math.floorDiv(talkSeconds - initialIncrement + subsequentIncrement - 1, subsequentIncrement);
            return initialIncrement + steps * subsequentIncrement;
        }

        /** connect fee + rate x seconds / 60, computed exactly, rounded half-up to 6 places once. */
        BigDecimal amount(long billableSeconds) {
            return connectFee.multiply(SIXTY)
                    .add(ratePerMinute.multiply(BigDecimal.valueOf(billableSeconds)))
                    .divide(SIXTY, 6, RoundingMode.HALF_UP);
        }
    }

    private final Map<String, Tariff> byPrefix = new HashMap<>();
    private int longest;

    TariffTable(String csv) {
        String[] lines = csv.split("\n");
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            Tariff tariff = new Tariff(fields(lines[i]));
            byPrefix.put(tariff.prefix, tariff);
            longest = Math.max(longest, tariff.prefix.length());
        }
        if (byPrefix.isEmpty()) {
            throw new IllegalArgumentException("The tariff has no rows");
        }
    }

    /** The tariff of the longest prefix of the number's digits, or null. */
    Tariff lookup(String e164) {
        String digits = e164.startsWith("+") ? e164.substring(1) : e164;
        for (int length = Math.min(longest, digits.length()); length > 0; length--) {
            Tariff tariff = byPrefix.get(digits.substring(0, length));
            if (tariff != null) {
                return tariff;
            }
        }
        return null;
    }

    /** One CSV record (RFC 4180 quoting, as Python's csv module writes it). */
    private static List<String> fields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else if (c != '\r') {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }
}
