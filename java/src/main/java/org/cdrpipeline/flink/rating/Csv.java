package org.cdrpipeline.flink.rating;

import java.util.ArrayList;
import java.util.List;

/**
 * CSV records as Python's csv module reads them (its default dialect): comma-separated, a field
 * quoted when it starts with a quote ("" inside is one quote), a quote elsewhere taken as
 * written. The tariff files are read by both, so the JVM must split them alike.
 */
final class Csv {
    private Csv() {}

    /** The records of a text, one per line (\n, \r\n or \r). */
    static List<List<String>> rows(String text) {
        List<List<String>> rows = new ArrayList<>();
        for (String line : text.replace("\r\n", "\n").replace('\r', '\n').split("\n")) {
            rows.add(fields(line));
        }
        return rows;
    }

    static List<String> fields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean atStart = true;
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
            } else if (c == '"' && atStart) {
                quoted = true;
                atStart = false;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                atStart = true;
            } else {
                field.append(c);
                atStart = false;
            }
        }
        fields.add(field.toString());
        return fields;
    }
}
