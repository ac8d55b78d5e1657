package org.cdrpipeline.flink.rating;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every plan, deck and assignment of a tariff folder, checked together (TariffFiles): the model
 * of domain/tariff_plans.py, which docs/tariffs.md describes. Immutable once built, so a
 * reload swaps one whole book for another.
 */
record RatingBook(Map<String, List<PlanVersion>> plans, Map<String, List<Deck>> decks,
                  Map<String, List<Assignment>> assignments, String defaultPlan) {

    static final String ALL_BANDS = "*";
    static final String HOLIDAY = "holiday";
    static final List<String> WEEKDAYS = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

    enum Rounding {
        HALF_UP(RoundingMode.HALF_UP), UP(RoundingMode.UP), DOWN(RoundingMode.DOWN);

        final RoundingMode mode;

        Rounding(RoundingMode mode) {
            this.mode = mode;
        }

        static Rounding named(String name) {
            for (Rounding rounding : values()) {
                if (rounding.name().toLowerCase(Locale.ROOT).equals(name)) {
                    return rounding;
                }
            }
            return null;
        }
    }

    /** From {@code fromS} seconds into the call on: whole increments of {@code incrementS}. */
    record Step(long fromS, long incrementS, BigDecimal ratePerMinute) {}

    record Rate(String prefix, String destination, String band, BigDecimal connectFee, List<Step> steps,
                BigDecimal minCharge, BigDecimal maxCost) {

        /** The index of the step in force {@code callSecond} into the call. */
        int stepAt(long callSecond) {
            int index = 0;
            while (index + 1 < steps.size() && steps.get(index + 1).fromS() <= callSecond) {
                index++;
            }
            return index;
        }

        static Rate freeService(String region) {
            return new Rate((region == null ? "" : region) + ":", "service number (free)", ALL_BANDS,
                    BigDecimal.ZERO, List.of(new Step(0, 1, BigDecimal.ZERO)), null, null);
        }
    }

    /** One version of a rate deck: rates by prefix, then band (or ALL_BANDS). */
    record Deck(String name, LocalDate validFrom, Map<String, Map<String, Rate>> rates) {

        /** The longest prefix of the number that the deck prices (service numbers as CC:digits). */
        String prefixOf(String number, String region) {
            boolean service = !number.startsWith("+");
            String digits = service ? number : number.substring(1);
            String key = service ? (region == null ? "" : region) + ":" : "";
            for (int length = digits.length(); length > 0; length--) {
                if (rates.containsKey(key + digits.substring(0, length))) {
                    return key + digits.substring(0, length);
                }
            }
            return null;
        }

        Rate rate(String prefix, String band) {
            Map<String, Rate> byBand = rates.get(prefix);
            Rate rate = byBand.get(band);
            return rate != null ? rate : byBand.get(ALL_BANDS);
        }
    }

    /** A band on {@code days} (empty: every day) from {@code start} to {@code end} minutes. */
    record Band(String name, Set<String> days, int start, int end) {
        boolean holds(Set<String> dayKinds, int minute) {
            boolean onDay = days.isEmpty() || days.stream().anyMatch(dayKinds::contains);
            return onDay && start <= minute && minute < end;
        }
    }

    record PlanVersion(String plan, LocalDate validFrom, ZoneId timeZone, String deck, String currency,
                       BigDecimal taxRate, Rounding rounding, int decimals, List<Band> bands,
                       Set<LocalDate> holidays) {

        /** The first band holding the instant's local weekday (and HOLIDAY, when listed) and minute. */
        Band bandAt(Instant instant) {
            ZonedDateTime local = instant.atZone(timeZone);
            String weekday = WEEKDAYS.get(local.getDayOfWeek().getValue() - DayOfWeek.MONDAY.getValue());
            Set<String> kinds = holidays.contains(local.toLocalDate()) ? Set.of(weekday, HOLIDAY) : Set.of(weekday);
            int minute = local.getHour() * 60 + local.getMinute();
            for (Band band : bands) {
                if (band.holds(kinds, minute)) {
                    return band;
                }
            }
            throw new IllegalStateException("the last band holds every instant");
        }

        /** The earliest band start, end or midnight after the instant, on the plan's wall clock. */
        Instant nextChange(Instant instant) {
            LocalDate today = instant.atZone(timeZone).toLocalDate();
            Instant best = null;
            for (LocalDate day : List.of(today, today.plusDays(1))) {
                for (Band band : bands) {
                    for (int minute : new int[] {0, band.start(), band.end() % 1440}) {
                        Instant candidate = ZonedDateTime.of(day, LocalTime.of(minute / 60, minute % 60), timeZone)
                                .toInstant();
                        if (candidate.isAfter(instant) && (best == null || candidate.isBefore(best))) {
                            best = candidate;
                        }
                    }
                }
            }
            return best;
        }
    }

    record Assignment(LocalDate validFrom, String plan) {}

    /** A valid_from date's first instant: midnight in the plan's time zone. */
    static Instant startOf(LocalDate day, ZoneId zone) {
        return day.atStartOfDay(zone).toInstant();
    }

    /** The subscriber's plan at the instant, or null for the default plan. */
    String assignedPlan(String subscriberId, Instant at) {
        String found = null;
        for (Assignment assignment : assignments.getOrDefault(subscriberId, List.of())) {
            ZoneId zone = plans.get(assignment.plan()).get(0).timeZone();
            if (!startOf(assignment.validFrom(), zone).isAfter(at)) {
                found = assignment.plan();
            }
        }
        return found;
    }

    PlanVersion version(String plan, Instant at) {
        PlanVersion found = null;
        for (PlanVersion version : plans.get(plan)) {
            if (!startOf(version.validFrom(), version.timeZone()).isAfter(at)) {
                found = version;
            }
        }
        return found;
    }

    Deck deck(PlanVersion version, Instant at) {
        Deck found = null;
        for (Deck deck : decks.get(version.deck())) {
            if (!startOf(deck.validFrom(), version.timeZone()).isAfter(at)) {
                found = deck;
            }
        }
        return found;
    }
}
