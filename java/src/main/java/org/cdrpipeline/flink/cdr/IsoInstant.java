package org.cdrpipeline.flink.cdr;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * ISO 8601 date-times with an offset, exactly {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:MM)},
 * read by position: about ten times faster than DateTimeFormatter, which matters at three
 * timestamps per record. Same rules as domain/cdr.py's _timestamp.
 */
final class IsoInstant {
    private IsoInstant() {}

    /**
     * The instant, or null when the text is not of that shape.
     *
     * @throws java.time.DateTimeException when it has the shape but is not a real date-time
     *     (February 30th, hour 24, an offset beyond 18 hours)
     */
    static Instant parse(String text) {
        int n = text.length();
        if (n < 20 || !digits(text, 0, 4) || text.charAt(4) != '-' || !digits(text, 5, 2)
                || text.charAt(7) != '-' || !digits(text, 8, 2) || text.charAt(10) != 'T'
                || !digits(text, 11, 2) || text.charAt(13) != ':' || !digits(text, 14, 2)
                || text.charAt(16) != ':' || !digits(text, 17, 2)) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (text.charAt(i) == '.') {
            int start = ++i;
            while (i < n && isDigit(text.charAt(i))) {
                i++;
            }
            int count = i - start;
            if (count < 1 || count > 9) {
                return null;
            }
            nanos = number(text, start, count);
            for (int k = count; k < 9; k++) {
                nanos *= 10;
            }
        }
        ZoneOffset offset;
        if (i == n - 1 && text.charAt(i) == 'Z') {
            offset = ZoneOffset.UTC;
        } else if (i == n - 6 && (text.charAt(i) == '+' || text.charAt(i) == '-')
                && digits(text, i + 1, 2) && text.charAt(i + 3) == ':' && digits(text, i + 4, 2)) {
            int sign = text.charAt(i) == '-' ? -1 : 1;
            offset = ZoneOffset.ofHoursMinutes(sign * number(text, i + 1, 2), sign * number(text, i + 4, 2));
        } else {
            return null;
        }
        return LocalDateTime.of(number(text, 0, 4), number(text, 5, 2), number(text, 8, 2),
                number(text, 11, 2), number(text, 14, 2), number(text, 17, 2), nanos).toInstant(offset);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean digits(String text, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (!isDigit(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static int number(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            value = value * 10 + (text.charAt(i) - '0');
        }
        return value;
    }
}
