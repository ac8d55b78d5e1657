package org.cdrpipeline.flink.rating;

import org.apache.flink.metrics.Counter;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.type.TypeReference;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.TableFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * RATE_LEG(subscriber_id, called_number, calling_country, call_direction, start_time,
 * answer_time, talk_seconds): one final call leg priced under its subscriber's plan (the rules
 * of domain/tariff_plans.py; answer_time NULL: unanswered), with what priced it.
 *
 * <p>The job starts with the texts the Python job read and checked (job parameter
 * cdr.tariff-files: base64 of a JSON object, path to text). When cdr.tariff-folder names a
 * folder (s3://... on MSF, file://... locally), it is read again every cdr.tariff-reload-ms of
 * processing time. A changed set is taken only once two reads in a row see it the same (an
 * upload still under way is not rated with); then, if it checks, it replaces the whole book at
 * once (metric tariffReloads); if not, it is refused with a log line naming file, line and
 * problem (metric tariffReloadsRefused), and the book in force stays.
 */
@FunctionHint(output = @DataTypeHint(value = RateLeg.OUTPUT_TYPE, bridgedTo = RowData.class))
public final class RateLeg extends TableFunction<RowData> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RateLeg.class);
    static final String OUTPUT_TYPE = "ROW<plan STRING, plan_assigned BOOLEAN, plan_version STRING,"
            + " deck_version STRING, bands STRING, currency STRING, tariff_prefix STRING, destination STRING,"
            + " billable_seconds BIGINT, amount DECIMAL(18, 6), tax DECIMAL(18, 6), rating_error STRING>";

    private transient String location;
    private transient long reloadMs;
    private transient long nextReload;
    private transient Map<String, String> texts;
    private transient Map<String, String> pending;
    private transient RatingBook book;
    private transient Counter reloads;
    private transient Counter refused;

    public RateLeg() {}

    @Override
    public void open(FunctionContext context) throws Exception {
        String encoded = context.getJobParameter("cdr.tariff-files", null);
        if (encoded == null) {
            throw new IllegalStateException("RATE_LEG needs the job parameter cdr.tariff-files");
        }
        texts = new ObjectMapper().readValue(Base64.getDecoder().decode(encoded), new TypeReference<>() {});
        book = TariffFiles.parse(texts);
        location = context.getJobParameter("cdr.tariff-folder", "");
        reloadMs = Long.parseLong(context.getJobParameter("cdr.tariff-reload-ms", "60000"));
        reloads = context.getMetricGroup().counter("tariffReloads");
        refused = context.getMetricGroup().counter("tariffReloadsRefused");
        nextReload = System.currentTimeMillis() + reloadMs;
        LOG.info("Rating with {} tariff files{}", texts.size(), location.isEmpty() ? "" : ", re-read from " + location);
    }

    public void eval(String subscriberId, String calledNumber, String callingCountry, String callDirection,
                     Instant startTime, Instant answerTime, Long talkSeconds) {
        reloadIfDue();
        PlanRating rating = PlanRating.rate(book, subscriberId, calledNumber, callingCountry,
                "MOBILE_ORIGINATED".equals(callDirection), startTime.toEpochMilli(),
                answerTime == null ? null : answerTime.toEpochMilli(), talkSeconds == null ? 0 : talkSeconds);
        collect(GenericRowData.of(text(rating.plan()), rating.assigned(), text(rating.planVersion()),
                text(rating.deckVersion()), rating.bands().isEmpty() ? null : text(String.join(",", rating.bands())),
                text(rating.currency()), text(rating.prefix()), text(rating.destination()), rating.billableSeconds(),
                money(rating.amount()), money(rating.tax()), text(rating.error())));
    }

    /** Reads the folder again when due; swaps the book only for a changed set that checks. */
    private void reloadIfDue() {
        long now = System.currentTimeMillis();
        if (location.isEmpty() || now < nextReload) {
            return;
        }
        nextReload = now + reloadMs;
        try {
            Map<String, String> current = TariffFolder.read(location);
            if (current.equals(texts) || !current.equals(pending)) {
                pending = current.equals(texts) ? null : current;  // changed: wait for a second read alike
                return;
            }
            pending = null;
            texts = current;  // refused or not, this set is not read again until it changes
            book = TariffFiles.parse(current);
            reloads.inc();
            LOG.info("Tariff folder {} reloaded ({} files)", location, current.size());
        } catch (TariffFiles.TariffException error) {
            refused.inc();
            LOG.warn("Tariff folder {} refused, the plans in force stay: {}", location, error.getMessage());
        } catch (IOException error) {
            refused.inc();
            LOG.warn("Tariff folder {} could not be read, the plans in force stay: {}", location, error.toString());
        }
    }

    private static StringData text(Object value) {
        return value == null ? null : StringData.fromString(value.toString());
    }

    private static DecimalData money(BigDecimal value) {
        return DecimalData.fromBigDecimal(value.setScale(6), 18, 6);
    }
}
