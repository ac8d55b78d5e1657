package org.cdrpipeline.flink.rating;

import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.StringReader;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tariff folder's files, checked together into one RatingBook: domain/tariff_files.py on the
 * JVM, with its checks and its messages ("file, line N: problem"), so the running job refuses
 * exactly the uploads the operator's check refuses. The texts come in by path relative to the
 * folder; reading them is the caller's (TariffFolder).
 */
final class TariffFiles {
    static final String PLANS_FILE = "plans.yaml";
    static final String ASSIGNMENTS_FILE = "assignments.csv";
    private static final Pattern DECK_FILE =
            Pattern.compile("decks/(?<deck>[A-Za-z0-9_-]+)/(?<validFrom>[0-9]{4}-[0-9]{2}-[0-9]{2})\\.csv");
    static final List<String> DECK_HEADER = List.of("prefix", "destination", "band", "from_s", "increment_s",
            "rate_per_minute", "connect_fee", "min_charge", "max_cost");
    static final List<String> SINGLE_HEADER = List.of("prefix", "destination", "rate_per_minute", "connect_fee",
            "initial_increment_s", "subsequent_increment_s");
    private static final List<String> ASSIGNMENT_HEADER = List.of("subscriber_id", "plan", "valid_from");
    private static final Pattern E164_PREFIX = Pattern.compile("[1-9][0-9]{0,14}");
    private static final Pattern SERVICE_PREFIX = Pattern.compile("[A-Z]{2}:[0-9*#]{1,15}");
    private static final Pattern MONEY = Pattern.compile("[0-9]{1,12}(\\.[0-9]+)?");
    private static final Pattern SECONDS = Pattern.compile("[0-9]{1,9}");
    private static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");
    private static final Pattern ZONE = Pattern.compile("[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*");
    private static final Pattern CLOCK = Pattern.compile("(?<hour>[01][0-9]|2[0-4]):(?<minute>[0-5][0-9])");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

    /** A file the folder cannot be rated with; the message names the file, the line and why. */
    static final class TariffException extends Exception {
        private static final long serialVersionUID = 1L;

        TariffException(String message) {
            super(message);
        }
    }

    private TariffFiles() {}

    static RatingBook parse(Map<String, String> files) throws TariffException {
        if (!files.containsKey(PLANS_FILE)) {
            throw new TariffException(PLANS_FILE + ": missing (the folder needs one)");
        }
        Map<String, List<RatingBook.Deck>> decks = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> deckLines = new LinkedHashMap<>();
        for (String path : new TreeSet<>(files.keySet())) {
            Matcher found = DECK_FILE.matcher(path);
            if (found.matches()) {
                LocalDate day = date(found.group("validFrom"), path, 0);
                Map<String, Integer> lines = new LinkedHashMap<>();
                RatingBook.Deck deck = parseDeck(files.get(path), path, found.group("deck"), day, lines);
                decks.computeIfAbsent(deck.name(), name -> new ArrayList<>()).add(deck);
                deckLines.put(path, lines);
            } else if (!path.equals(PLANS_FILE) && !path.equals(ASSIGNMENTS_FILE)) {
                throw new TariffException(path + ": not a tariff file (plans.yaml, assignments.csv, "
                        + "decks/<deck>/<YYYY-MM-DD>.csv)");
            }
        }
        Map<String, List<RatingBook.PlanVersion>> plans = new LinkedHashMap<>();
        String defaultPlan = parsePlans(files.get(PLANS_FILE), decks.keySet(), plans);
        Map<String, List<RatingBook.Assignment>> assignments = files.containsKey(ASSIGNMENTS_FILE)
                ? parseAssignments(files.get(ASSIGNMENTS_FILE), plans.keySet()) : Map.of();
        for (Map.Entry<String, List<RatingBook.Deck>> entry : decks.entrySet()) {
            List<RatingBook.PlanVersion> using = new ArrayList<>();
            for (List<RatingBook.PlanVersion> versions : plans.values()) {
                for (RatingBook.PlanVersion version : versions) {
                    if (version.deck().equals(entry.getKey())) {
                        using.add(version);
                    }
                }
            }
            for (RatingBook.Deck deck : entry.getValue()) {
                String source = "decks/" + deck.name() + "/" + deck.validFrom() + ".csv";
                checkBands(deck, using, deckLines.get(source), source);
            }
        }
        return new RatingBook(plans, decks, assignments, defaultPlan);
    }

    private static void checkBands(RatingBook.Deck deck, List<RatingBook.PlanVersion> using,
                                   Map<String, Integer> lines, String source) throws TariffException {
        Set<String> known = new TreeSet<>();
        for (RatingBook.PlanVersion version : using) {
            for (RatingBook.Band band : version.bands()) {
                known.add(band.name());
            }
        }
        for (Map.Entry<String, Map<String, RatingBook.Rate>> entry : deck.rates().entrySet()) {
            String prefix = entry.getKey();
            for (String band : entry.getValue().keySet()) {
                if (!band.equals(RatingBook.ALL_BANDS) && !using.isEmpty() && !known.contains(band)) {
                    throw new TariffException(source + ", line " + lines.get(prefix) + ": band " + repr(band)
                            + " is no band of a plan using deck " + repr(deck.name()) + " (" + String.join(", ", known)
                            + ")");
                }
            }
            if (entry.getValue().containsKey(RatingBook.ALL_BANDS)) {
                continue;
            }
            for (RatingBook.PlanVersion version : using) {
                List<String> missing = new ArrayList<>();
                for (RatingBook.Band band : version.bands()) {
                    if (!entry.getValue().containsKey(band.name())) {
                        missing.add(band.name());
                    }
                }
                if (!missing.isEmpty()) {
                    throw new TariffException(source + ", line " + lines.get(prefix) + ": prefix " + repr(prefix)
                            + " has no rate for band(s) " + String.join(", ", missing) + " of plan "
                            + repr(version.plan()) + " (version " + version.validFrom() + "); give them, or one for"
                            + " every band (" + RatingBook.ALL_BANDS + ")");
                }
            }
        }
    }

    // ---- plans.yaml -------------------------------------------------------------------------

    /** A YAML value as written (scalars as text) with the line it starts on. */
    private record Located(Object value, int line) {
        @SuppressWarnings("unchecked")
        Map<String, Located> map() {
            return (Map<String, Located>) value;
        }

        @SuppressWarnings("unchecked")
        List<Located> list() {
            return (List<Located>) value;
        }
    }

    private static Located located(Node node) {
        int line = node.getStartMark().getLine() + 1;
        if (node instanceof MappingNode mapping) {
            Map<String, Located> values = new LinkedHashMap<>();
            for (NodeTuple tuple : mapping.getValue()) {
                Node key = tuple.getKeyNode();
                values.put(key instanceof ScalarNode scalar ? scalar.getValue() : key.toString(),
                        located(tuple.getValueNode()));
            }
            return new Located(values, line);
        }
        if (node instanceof SequenceNode sequence) {
            List<Located> items = new ArrayList<>();
            for (Node item : sequence.getValue()) {
                items.add(located(item));
            }
            return new Located(items, line);
        }
        return new Located(((ScalarNode) node).getValue(), line);
    }

    private static Map<String, Located> mapping(Located node, String what, String source, List<String> required,
                                                List<String> optional) throws TariffException {
        if (!(node.value() instanceof Map)) {
            throw new TariffException(source + ", line " + node.line() + ": " + what + " must be a mapping");
        }
        Set<String> unknown = new TreeSet<>(node.map().keySet());
        unknown.removeAll(required);
        unknown.removeAll(optional);
        if (!unknown.isEmpty()) {
            throw new TariffException(source + ", line " + node.line() + ": " + what + " has unknown key(s) "
                    + String.join(", ", unknown));
        }
        List<String> missing = new ArrayList<>();
        for (String key : required) {
            if (!node.map().containsKey(key)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            throw new TariffException(source + ", line " + node.line() + ": " + what + " needs "
                    + String.join(", ", missing));
        }
        return node.map();
    }

    private static List<Located> list(Located node, String what, String source) throws TariffException {
        if (!(node.value() instanceof List)) {
            throw new TariffException(source + ", line " + node.line() + ": " + what + " must be a list");
        }
        return node.list();
    }

    private static String text(Located node, String what, String source) throws TariffException {
        if (!(node.value() instanceof String value) || value.strip().isEmpty()) {
            throw new TariffException(source + ", line " + node.line() + ": " + what + " must be a non-empty value");
        }
        return value.strip();
    }

    private static String parsePlans(String text, Set<String> decks, Map<String, List<RatingBook.PlanVersion>> plans)
            throws TariffException {
        String source = PLANS_FILE;
        Node rootNode;
        try {
            rootNode = new Yaml().compose(new StringReader(text));
        } catch (YAMLException error) {
            throw new TariffException(source + ": not YAML: " + error.getMessage());
        }
        if (rootNode == null) {
            throw new TariffException(source + ", line 1: empty");
        }
        Map<String, Located> root = mapping(located(rootNode), "the file", source,
                List.of("default_plan", "plans"), List.of());
        Located plansNode = root.get("plans");
        if (!(plansNode.value() instanceof Map) || plansNode.map().isEmpty()) {
            throw new TariffException(source + ", line " + plansNode.line()
                    + ": plans must map each plan's name to the plan");
        }
        for (Map.Entry<String, Located> entry : plansNode.map().entrySet()) {
            String name = entry.getKey();
            Map<String, Located> plan = mapping(entry.getValue(), "plan " + repr(name), source,
                    List.of("time_zone", "versions"), List.of());
            ZoneId zone = zone(plan.get("time_zone"), source);
            List<RatingBook.PlanVersion> versions = new ArrayList<>();
            for (Located node : list(plan.get("versions"), "versions", source)) {
                versions.add(version(name, zone, node, decks, source));
            }
            if (versions.isEmpty()) {
                throw new TariffException(source + ", line " + plan.get("versions").line() + ": plan " + repr(name)
                        + " has no version");
            }
            for (int i = 1; i < versions.size(); i++) {
                LocalDate earlier = versions.get(i - 1).validFrom();
                LocalDate later = versions.get(i).validFrom();
                if (!later.isAfter(earlier)) {
                    throw new TariffException(source + ", line " + plan.get("versions").line() + ": plan "
                            + repr(name) + "'s versions must be in rising valid_from order (" + later + " follows "
                            + earlier + ")");
                }
            }
            plans.put(name, List.copyOf(versions));
        }
        String defaultPlan = text(root.get("default_plan"), "default_plan", source);
        if (!plans.containsKey(defaultPlan)) {
            throw new TariffException(source + ", line " + root.get("default_plan").line() + ": default_plan "
                    + repr(defaultPlan) + " is no plan");
        }
        return defaultPlan;
    }

    private static ZoneId zone(Located node, String source) throws TariffException {
        String name = text(node, "time_zone", source);
        try {
            if (ZONE.matcher(name).matches()) {
                return ZoneId.of(name);
            }
        } catch (DateTimeException ignored) {
            // named below
        }
        throw new TariffException(source + ", line " + node.line() + ": time_zone " + repr(name)
                + " is no IANA time zone (Europe/London, UTC)");
    }

    private static RatingBook.PlanVersion version(String plan, ZoneId zone, Located node, Set<String> decks,
                                                  String source) throws TariffException {
        Map<String, Located> fields = mapping(node, "a version of plan " + repr(plan), source,
                List.of("valid_from", "deck", "currency", "tax_rate", "rounding", "decimals"),
                List.of("holidays", "bands"));
        String deck = text(fields.get("deck"), "deck", source);
        if (!decks.contains(deck)) {
            throw new TariffException(source + ", line " + fields.get("deck").line() + ": deck " + repr(deck)
                    + " has no file decks/" + deck + "/<YYYY-MM-DD>.csv");
        }
        String currency = text(fields.get("currency"), "currency", source);
        if (!CURRENCY.matcher(currency).matches()) {
            throw new TariffException(source + ", line " + fields.get("currency").line() + ": currency "
                    + repr(currency) + " is no ISO 4217 code");
        }
        int taxLine = fields.get("tax_rate").line();
        BigDecimal taxRate = number(text(fields.get("tax_rate"), "tax_rate", source), "tax_rate", source, taxLine);
        if (taxRate.compareTo(BigDecimal.ONE) >= 0) {
            throw new TariffException(source + ", line " + taxLine + ": tax_rate is a fraction below 1 (0.2 for 20 %)");
        }
        RatingBook.Rounding rounding = RatingBook.Rounding.named(text(fields.get("rounding"), "rounding", source));
        if (rounding == null) {
            throw new TariffException(source + ", line " + fields.get("rounding").line()
                    + ": rounding must be half_up, up, down");
        }
        String decimals = text(fields.get("decimals"), "decimals", source);
        if (!decimals.matches("[0-6]")) {
            throw new TariffException(source + ", line " + fields.get("decimals").line() + ": decimals must be 0 to 6");
        }
        Set<LocalDate> holidays = new HashSet<>();
        if (fields.containsKey("holidays")) {
            for (Located day : list(fields.get("holidays"), "holidays", source)) {
                holidays.add(date(text(day, "a holiday", source), source, day.line()));
            }
        }
        List<RatingBook.Band> bands = fields.containsKey("bands") ? bands(fields.get("bands"), source)
                : List.of(new RatingBook.Band("all", Set.of(), 0, 24 * 60));
        LocalDate validFrom = date(text(fields.get("valid_from"), "valid_from", source), source,
                fields.get("valid_from").line());
        return new RatingBook.PlanVersion(plan, validFrom, zone, deck, currency, taxRate, rounding,
                Integer.parseInt(decimals), bands, Set.copyOf(holidays));
    }

    private static List<RatingBook.Band> bands(Located node, String source) throws TariffException {
        List<RatingBook.Band> bands = new ArrayList<>();
        List<Located> items = list(node, "bands", source);
        for (Located item : items) {
            Map<String, Located> fields = mapping(item, "a band", source, List.of("name"), List.of("days", "from", "to"));
            String name = text(fields.get("name"), "a band's name", source);
            if (name.equals(RatingBook.ALL_BANDS) || bands.stream().anyMatch(band -> band.name().equals(name))) {
                throw new TariffException(source + ", line " + item.line() + ": band name " + repr(name) + " is taken");
            }
            Set<String> days = new LinkedHashSet<>();
            if (fields.containsKey("days")) {
                for (Located day : list(fields.get("days"), "days", source)) {
                    days.add(text(day, "a day", source).toLowerCase(Locale.ROOT));
                }
            }
            Set<String> unknown = new TreeSet<>(days);
            unknown.removeAll(RatingBook.WEEKDAYS);
            unknown.remove(RatingBook.HOLIDAY);
            if (!unknown.isEmpty()) {
                throw new TariffException(source + ", line " + item.line() + ": band " + repr(name) + ": unknown day(s) "
                        + String.join(", ", unknown) + " (mon .. sun, " + RatingBook.HOLIDAY + ")");
            }
            int start = fields.containsKey("from") ? clock(fields.get("from"), source) : 0;
            int end = fields.containsKey("to") ? clock(fields.get("to"), source) : 24 * 60;
            if (start >= end) {
                throw new TariffException(source + ", line " + item.line() + ": band " + repr(name)
                        + " must end after it starts (a band over midnight is two bands)");
            }
            bands.add(new RatingBook.Band(name, Set.copyOf(days), start, end));
        }
        RatingBook.Band last = bands.isEmpty() ? null : bands.get(bands.size() - 1);
        if (last == null || !last.days().isEmpty() || last.start() != 0 || last.end() != 24 * 60) {
            int line = items.isEmpty() ? node.line() : items.get(items.size() - 1).line();
            throw new TariffException(source + ", line " + line + ": the last band must hold every day and hour (no "
                    + "days, from or to): it is in force wherever no other band is");
        }
        return List.copyOf(bands);
    }

    private static int clock(Located node, String source) throws TariffException {
        Matcher found = CLOCK.matcher(text(node, "a time", source));
        int minutes = found.matches()
                ? Integer.parseInt(found.group("hour")) * 60 + Integer.parseInt(found.group("minute")) : -1;
        if (minutes < 0 || minutes > 24 * 60) {
            throw new TariffException(source + ", line " + node.line() + ": time " + repr((String) node.value())
                    + " must be HH:MM, 00:00 to 24:00");
        }
        return minutes;
    }

    private static LocalDate date(String text, String source, int line) throws TariffException {
        try {
            if (DATE.matcher(text).matches()) {
                return LocalDate.parse(text);
            }
        } catch (DateTimeException ignored) {
            // named below
        }
        String where = line > 0 ? source + ", line " + line : source;
        throw new TariffException(where + ": " + repr(text) + " is no date (YYYY-MM-DD)");
    }

    /** Why the text is no amount (plain digits, up to 6 places), or null. */
    private static String moneyProblem(String text) {
        if (!MONEY.matcher(text).matches()) {
            return "must be a plain decimal number (0.05), not negative";
        }
        int point = text.indexOf('.');
        return point >= 0 && text.length() - point - 1 > 6 ? "has more than 6 decimal places" : null;
    }

    private static BigDecimal number(String text, String what, String source, int line) throws TariffException {
        String problem = moneyProblem(text);
        if (problem != null) {
            throw new TariffException(source + ", line " + line + ": " + what + " " + repr(text) + " " + problem);
        }
        return new BigDecimal(text);
    }

    // ---- decks ----------------------------------------------------------------------------

    private static RatingBook.Deck parseDeck(String text, String source, String name, LocalDate validFrom,
                                             Map<String, Integer> lines) throws TariffException {
        List<List<String>> rows = Csv.rows(text);
        List<String> header = rows.isEmpty() ? List.of() : rows.get(0).stream().map(String::strip).toList();
        if (header.equals(SINGLE_HEADER)) {
            return singleTariffDeck(rows, source, name, validFrom, lines);
        }
        if (!header.equals(DECK_HEADER)) {
            throw new TariffException(source + ", line 1: the header must be " + String.join(",", DECK_HEADER)
                    + " (or " + String.join(",", SINGLE_HEADER) + ")");
        }
        Map<List<String>, List<Map.Entry<Integer, List<String>>>> grouped = new LinkedHashMap<>();
        for (int i = 1; i < rows.size(); i++) {
            int line = i + 1;
            List<String> row = rows.get(i);
            if (String.join("", row).strip().isEmpty()) {
                continue;
            }
            if (row.size() != DECK_HEADER.size()) {
                throw new TariffException(source + ", line " + line + ": " + row.size() + " fields, expected "
                        + DECK_HEADER.size());
            }
            List<String> cells = row.stream().map(String::strip).toList();
            if (!E164_PREFIX.matcher(cells.get(0)).matches() && !SERVICE_PREFIX.matcher(cells.get(0)).matches()) {
                throw new TariffException(source + ", line " + line + ": prefix " + repr(cells.get(0))
                        + " must be 1 to 15 digits, not starting with 0, or a service prefix (GB:118)");
            }
            if (cells.get(1).isEmpty() || cells.get(2).isEmpty()) {
                throw new TariffException(source + ", line " + line + ": destination and band must not be empty");
            }
            grouped.computeIfAbsent(List.of(cells.get(0), cells.get(2)), key -> new ArrayList<>())
                    .add(Map.entry(line, cells));
            lines.putIfAbsent(cells.get(0), line);
        }
        if (grouped.isEmpty()) {
            throw new TariffException(source + ": no rate rows");
        }
        Map<String, Map<String, RatingBook.Rate>> rates = new LinkedHashMap<>();
        for (Map.Entry<List<String>, List<Map.Entry<Integer, List<String>>>> entry : grouped.entrySet()) {
            String prefix = entry.getKey().get(0);
            String band = entry.getKey().get(1);
            rates.computeIfAbsent(prefix, key -> new LinkedHashMap<>()).put(band, rate(prefix, band, entry.getValue(),
                    source));
        }
        for (Map.Entry<String, Map<String, RatingBook.Rate>> entry : rates.entrySet()) {
            if (entry.getValue().values().stream().map(RatingBook.Rate::destination).distinct().count() > 1) {
                throw new TariffException(source + ", line " + lines.get(entry.getKey()) + ": prefix "
                        + repr(entry.getKey()) + " has more than one destination");
            }
        }
        return new RatingBook.Deck(name, validFrom, rates);
    }

    private static long sortSecond(String text) {
        return SECONDS.matcher(text).matches() ? Long.parseLong(text) : -1;
    }

    private static RatingBook.Rate rate(String prefix, String band, List<Map.Entry<Integer, List<String>>> rows,
                                        String source) throws TariffException {
        List<Map.Entry<Integer, List<String>>> sorted = new ArrayList<>(rows);
        sorted.sort((a, b) -> Long.compare(sortSecond(a.getValue().get(3)), sortSecond(b.getValue().get(3))));
        List<RatingBook.Step> steps = new ArrayList<>();
        Map.Entry<Integer, List<String>> first = rows.get(0);
        for (Map.Entry<Integer, List<String>> row : sorted) {
            int line = row.getKey();
            List<String> cells = row.getValue();
            boolean fromOk = SECONDS.matcher(cells.get(3)).matches();
            boolean incrementOk = SECONDS.matcher(cells.get(4)).matches() && Long.parseLong(cells.get(4)) > 0;
            if (!fromOk || !incrementOk) {
                throw new TariffException(source + ", line " + line + ": from_s must be a whole number of seconds "
                        + "and increment_s one above 0");
            }
            long fromS = Long.parseLong(cells.get(3));
            if (!steps.isEmpty() && fromS == steps.get(steps.size() - 1).fromS()) {
                throw new TariffException(source + ", line " + line + ": prefix " + repr(prefix) + " band " + repr(band)
                        + " has two steps from " + fromS + " s");
            }
            if (steps.isEmpty() && fromS != 0) {
                throw new TariffException(source + ", line " + line + ": prefix " + repr(prefix) + " band " + repr(band)
                        + ": the first step is from 0 s");
            }
            if (steps.isEmpty()) {
                first = row;
            }
            if (!steps.isEmpty() && !String.join("", cells.subList(6, 9)).isEmpty()) {
                throw new TariffException(source + ", line " + line
                        + ": connect_fee, min_charge and max_cost go on the step from 0 s");
            }
            steps.add(new RatingBook.Step(fromS, Long.parseLong(cells.get(4)),
                    number(cells.get(5), "rate_per_minute", source, line)));
        }
        int line = first.getKey();
        List<String> cells = first.getValue();
        BigDecimal fee = number(cells.get(6).isEmpty() ? "0" : cells.get(6), "connect_fee", source, line);
        BigDecimal minimum = cells.get(7).isEmpty() ? null : number(cells.get(7), "min_charge", source, line);
        BigDecimal maximum = cells.get(8).isEmpty() ? null : number(cells.get(8), "max_cost", source, line);
        if (minimum != null && maximum != null && minimum.compareTo(maximum) > 0) {
            throw new TariffException(source + ", line " + line + ": min_charge is above max_cost");
        }
        return new RatingBook.Rate(prefix, cells.get(1), band, fee, List.copyOf(steps), minimum, maximum);
    }

    /** The single-tariff format (tariffs/default.csv): one rate for every band, two steps. */
    private static RatingBook.Deck singleTariffDeck(List<List<String>> rows, String source, String name,
                                                    LocalDate validFrom, Map<String, Integer> lines)
            throws TariffException {
        Map<String, Map<String, RatingBook.Rate>> rates = new TreeMap<>();
        for (int i = 1; i < rows.size(); i++) {
            int line = i + 1;
            List<String> row = rows.get(i);
            if (String.join("", row).strip().isEmpty()) {
                continue;
            }
            if (row.size() != SINGLE_HEADER.size()) {
                throw new TariffException(source + ", line " + line + ": " + row.size() + " fields, expected "
                        + SINGLE_HEADER.size());
            }
            List<String> problems = new ArrayList<>();
            String prefix = row.get(0).strip();
            String destination = row.get(1).strip();
            if (!E164_PREFIX.matcher(prefix).matches() && !SERVICE_PREFIX.matcher(prefix).matches()) {
                problems.add("prefix " + repr(prefix) + " must be 1 to 15 digits, not starting with 0, or a service "
                        + "prefix: a country code, ':' and 1 to 15 digits, * and # (GB:118)");
            }
            if (destination.isEmpty()) {
                problems.add("destination is empty");
            }
            BigDecimal rate = legacyMoney(row.get(2), "rate_per_minute", problems);
            BigDecimal fee = legacyMoney(row.get(3), "connect_fee", problems);
            long initial = legacyIncrement(row.get(4), "initial_increment_s", problems);
            long subsequent = legacyIncrement(row.get(5), "subsequent_increment_s", problems);
            if (rates.containsKey(prefix) && problems.isEmpty()) {
                problems.add("duplicate prefix " + repr(prefix));
            }
            if (!problems.isEmpty()) {
                throw new TariffException(source + ", line " + line + ": " + String.join("; ", problems));
            }
            rates.put(prefix, Map.of(RatingBook.ALL_BANDS, new RatingBook.Rate(prefix, destination,
                    RatingBook.ALL_BANDS, fee, List.of(new RatingBook.Step(0, initial, rate),
                    new RatingBook.Step(initial, subsequent, rate)), null, null)));
            lines.putIfAbsent(prefix, line);
        }
        if (rates.isEmpty()) {
            throw new TariffException(source + ": no tariff rows");
        }
        return new RatingBook.Deck(name, validFrom, rates);
    }

    private static BigDecimal legacyMoney(String raw, String what, List<String> problems) {
        String problem = moneyProblem(raw.strip());
        if (problem != null) {
            problems.add(what + " " + repr(raw) + " " + problem);
            return BigDecimal.ZERO;
        }
        return new BigDecimal(raw.strip());
    }

    private static long legacyIncrement(String raw, String what, List<String> problems) {
        String text = raw.strip();
        if (!SECONDS.matcher(text).matches() || Long.parseLong(text) == 0) {
            problems.add(what + " " + repr(raw) + " must be a whole number of seconds above 0");
            return 1;
        }
        return Long.parseLong(text);
    }

    // ---- assignments ------------------------------------------------------------------------

    private static Map<String, List<RatingBook.Assignment>> parseAssignments(String text, Set<String> plans)
            throws TariffException {
        String source = ASSIGNMENTS_FILE;
        List<List<String>> rows = Csv.rows(text);
        if (rows.isEmpty() || !rows.get(0).stream().map(String::strip).toList().equals(ASSIGNMENT_HEADER)) {
            throw new TariffException(source + ", line 1: the header must be " + String.join(",", ASSIGNMENT_HEADER));
        }
        Map<String, TreeMap<LocalDate, String>> found = new LinkedHashMap<>();
        for (int i = 1; i < rows.size(); i++) {
            int line = i + 1;
            List<String> row = rows.get(i);
            if (String.join("", row).strip().isEmpty()) {
                continue;
            }
            if (row.size() != ASSIGNMENT_HEADER.size()) {
                throw new TariffException(source + ", line " + line + ": " + row.size() + " fields, expected "
                        + ASSIGNMENT_HEADER.size());
            }
            String subscriber = row.get(0).strip();
            String plan = row.get(1).strip();
            String day = row.get(2).strip();
            if (subscriber.isEmpty()) {
                throw new TariffException(source + ", line " + line + ": subscriber_id is empty");
            }
            if (!plans.contains(plan)) {
                throw new TariffException(source + ", line " + line + ": plan " + repr(plan) + " is no plan of "
                        + PLANS_FILE);
            }
            LocalDate validFrom = date(day, source, line);
            TreeMap<LocalDate, String> byDay = found.computeIfAbsent(subscriber, key -> new TreeMap<>());
            if (byDay.containsKey(validFrom)) {
                throw new TariffException(source + ", line " + line + ": " + repr(subscriber)
                        + " already has a plan from " + day);
            }
            byDay.put(validFrom, plan);
        }
        Map<String, List<RatingBook.Assignment>> assignments = new LinkedHashMap<>();
        for (Map.Entry<String, TreeMap<LocalDate, String>> entry : found.entrySet()) {
            assignments.put(entry.getKey(), entry.getValue().entrySet().stream()
                    .map(row -> new RatingBook.Assignment(row.getKey(), row.getValue())).toList());
        }
        return assignments;
    }

    /** Python's repr of a plain string, as the reference's messages show values. */
    static String repr(String value) {
        return value.contains("'") && !value.contains("\"") ? "\"" + value + "\"" : "'" + value + "'";
    }
}
