package org.cdrpipeline.flink.rating;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tariffs by prefix; a number is rated by its longest matching prefix: digits for an E.164
 * number, `CC:prefix` entries of the caller's country for a service number (kept as dialled,
 * without "+"), which is free when none matches. Built from the tariff CSV that domain/rating.py
 * has already loaded and checked (TariffTable.to_csv), so a problem here is a bug, not an
 * operator's typo.
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
            this(fields.get(0), fields.get(1), new BigDecimal(fields.get(2)), new BigDecimal(fields.get(3)),
                    Long.parseLong(fields.get(4)), Long.parseLong(fields.get(5)));
        }

        private Tariff(String prefix, String destination, BigDecimal ratePerMinute, BigDecimal connectFee,
                       long initialIncrement, long subsequentIncrement) {
            this.prefix = prefix;
            this.destination = destination;
            this.ratePerMinute = ratePerMinute;
            this.connectFee = connectFee;
            this.initialIncrement = initialIncrement;
            this.subsequentIncrement = subsequentIncrement;
        }

        /** A service number no entry prices (emergency, 116xxx, voicemail, ...): free. */
        static Tariff freeService(String region) {
            return new Tariff((region == null ? "" : region) + ":", "service number (free)", BigDecimal.ZERO,
                    BigDecimal.ZERO, 1, 1);
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
            Tariff tariff = new Tariff(Csv.fields(lines[i].replace("\r", "")));
            byPrefix.put(tariff.prefix, tariff);
            longest = Math.max(longest, tariff.prefix.length());
        }
        if (byPrefix.isEmpty()) {
            throw new IllegalArgumentException("The tariff has no rows");
        }
    }

    /**
     * The tariff of the longest prefix of `number` (dialled from `region`, which only a service
     * number needs), or null for an E.164 number no prefix matches.
     */
    Tariff lookup(String number, String region) {
        boolean service = !number.startsWith("+");
        String digits = service ? number : number.substring(1);
        String key = service ? (region == null ? "" : region) + ":" : "";
        for (int length = Math.min(longest, digits.length()); length > 0; length--) {
            Tariff tariff = byPrefix.get(key + digits.substring(0, length));
            if (tariff != null) {
                return tariff;
            }
        }
        return service ? Tariff.freeService(region) : null;
    }
}
