package org.cdrpipeline.flink.rating;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The price of one call leg under its subscriber's plan, what priced it, or why it has no
 * price: domain/tariff_plans.py's rate_leg, in BigDecimal, never through double. The rules
 * (steps, bands, minimum charge, maximum cost, one rounding) are documented there and in
 * docs/tariffs.md; an agreement test holds the two to the same results.
 */
record PlanRating(String plan, boolean assigned, String currency, BigDecimal amount, BigDecimal tax,
                  long billableSeconds, LocalDate planVersion, LocalDate deckVersion, List<String> bands,
                  String prefix, String destination, String error) {

    static final String UNRATED_DESTINATION = "UNRATED_DESTINATION";
    static final String NO_PLAN_IN_FORCE = "NO_PLAN_IN_FORCE";
    private static final BigDecimal SIXTY = BigDecimal.valueOf(60);

    /**
     * Rates one final leg of {@code subscriberId}. An MT leg costs nothing; an MO leg is priced
     * by the longest prefix in the deck in force at its start, from the answer for
     * {@code talkSeconds}; unanswered ({@code answeredMs} null) it costs nothing.
     */
    static PlanRating rate(RatingBook book, String subscriberId, String calledNumber, String callingCountry,
                           boolean mobileOriginated, long startedMs, Long answeredMs, long talkSeconds) {
        Instant started = Instant.ofEpochMilli(startedMs);
        String assignedPlan = book.assignedPlan(subscriberId, started);
        String plan = assignedPlan != null ? assignedPlan : book.defaultPlan();
        boolean assigned = assignedPlan != null;
        RatingBook.PlanVersion version = book.version(plan, started);
        if (version == null) {
            return new PlanRating(plan, assigned, book.plans().get(plan).get(0).currency(), BigDecimal.ZERO,
                    BigDecimal.ZERO, 0, null, null, List.of(), null, null, NO_PLAN_IN_FORCE);
        }
        RatingBook.Deck deck = book.deck(version, started);
        if (deck == null) {
            return new PlanRating(plan, assigned, version.currency(), BigDecimal.ZERO, BigDecimal.ZERO, 0,
                    version.validFrom(), null, List.of(), null, null, NO_PLAN_IN_FORCE);
        }
        BigDecimal zero = BigDecimal.ZERO.setScale(version.decimals());
        PlanRating unpriced = new PlanRating(plan, assigned, version.currency(), zero, zero, 0,
                version.validFrom(), deck.validFrom(), List.of(), null, null, null);
        if (!mobileOriginated) {
            return unpriced;
        }
        String prefix = deck.prefixOf(calledNumber, callingCountry);
        if (prefix == null && calledNumber.startsWith("+")) {
            return unpriced.with(0, zero, zero, List.of(), null, null, UNRATED_DESTINATION);
        }
        // A service number no entry prices is free: its talk billed in one-second increments at 0.
        RatingBook.Rate free = prefix == null ? RatingBook.Rate.freeService(callingCountry) : null;
        Function<String, RatingBook.Rate> rateIn = band -> free != null ? free : deck.rate(prefix, band);
        Instant answered = answeredMs == null ? null : Instant.ofEpochMilli(answeredMs);
        String openingBand = version.bandAt(answered != null ? answered : started).name();
        RatingBook.Rate opening = rateIn.apply(openingBand);
        if (answered == null) {
            return unpriced.with(0, zero, zero, List.of(openingBand), opening.prefix(), opening.destination(), null);
        }
        // Per-minute rates times seconds: the exact amount is this over 60, rounded once.
        List<String> bands = new ArrayList<>();
        long second = 0;
        BigDecimal total = opening.connectFee().multiply(SIXTY);
        while (second < talkSeconds) {
            Instant at = answered.plusSeconds(second);
            RatingBook.Band band = version.bandAt(at);
            RatingBook.Rate rate = rateIn.apply(band.name());
            int index = rate.stepAt(second);
            RatingBook.Step step = rate.steps().get(index);
            long nextStep = index + 1 < rate.steps().size() ? rate.steps().get(index + 1).fromS() : talkSeconds;
            Duration change = Duration.between(answered, version.nextChange(at));
            // An increment starting at or after the change is in the new band: its first whole second.
            long boundary = change.getSeconds() + (change.getNano() > 0 ? 1 : 0);
            long end = Math.min(talkSeconds, Math.min(boundary, nextStep));
            long seconds = Math.max(1, Math.floorDiv(end - second + step.incrementS() - 1, step.incrementS()))
                    * step.incrementS();
            total = total.add(step.ratePerMinute().multiply(BigDecimal.valueOf(seconds)));
            second += seconds;
            if (bands.isEmpty() || !bands.get(bands.size() - 1).equals(band.name())) {
                bands.add(band.name());
            }
        }
        if (opening.minCharge() != null) {
            total = total.max(opening.minCharge().multiply(SIXTY));
        }
        if (opening.maxCost() != null) {
            total = total.min(opening.maxCost().multiply(SIXTY));
        }
        BigDecimal amount = total.divide(SIXTY, version.decimals(), version.rounding().mode);
        BigDecimal tax = amount.multiply(version.taxRate()).setScale(version.decimals(), version.rounding().mode);
        return unpriced.with(second, amount, tax, List.copyOf(bands), opening.prefix(), opening.destination(), null);
    }

    private PlanRating with(long billable, BigDecimal newAmount, BigDecimal newTax, List<String> newBands,
                            String newPrefix, String newDestination, String newError) {
        return new PlanRating(plan, assigned, currency, newAmount, newTax, billable, planVersion, deckVersion,
                newBands, newPrefix, newDestination, newError);
    }
}
