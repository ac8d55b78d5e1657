package org.cdrpipeline.flink.rating;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.TableFunction;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * RATE_CALL(called_number, calling_country, call_direction, answered, talk_seconds): the price
 * of one final call leg under the job's tariff: the rules of domain/rating.py.rate_call, in
 * BigDecimal, never through double. One row per call; rating_error is set
 * (UNRATED_DESTINATION) when an MO leg's E.164 number matches no tariff prefix; a service
 * number is rated in the caller's country, free when no service entry prices it.
 *
 * <p>The tariff and tax rate come from the job parameters cdr.tariffs (the checked tariff CSV,
 * base64) and cdr.tax-rate, set by the Python job from its configuration.
 */
@FunctionHint(output = @DataTypeHint(value = RateCall.OUTPUT_TYPE, bridgedTo = RowData.class))
public final class RateCall extends TableFunction<RowData> {
    private static final long serialVersionUID = 1L;
    static final String OUTPUT_TYPE = "ROW<tariff_prefix STRING, destination STRING,"
            + " rate_per_minute DECIMAL(18, 6), connect_fee DECIMAL(18, 6), billable_seconds BIGINT,"
            + " amount DECIMAL(18, 6), tax DECIMAL(18, 6), rating_error STRING>";
    private static final DecimalData ZERO = DecimalData.fromBigDecimal(BigDecimal.ZERO, 18, 6);

    private transient TariffTable tariffs;
    private transient BigDecimal taxRate;

    public RateCall() {}

    /** A function already opened with this tariff and tax rate (the unit tests' way in). */
    RateCall(TariffTable tariffs, BigDecimal taxRate) {
        this.tariffs = tariffs;
        this.taxRate = taxRate;
    }

    @Override
    public void open(FunctionContext context) {
        String encoded = context.getJobParameter("cdr.tariffs", null);
        String tax = context.getJobParameter("cdr.tax-rate", null);
        if (encoded == null || tax == null) {
            throw new IllegalStateException("RATE_CALL needs the job parameters cdr.tariffs and cdr.tax-rate");
        }
        tariffs = new TariffTable(new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));
        taxRate = new BigDecimal(tax);
    }

    public void eval(String calledNumber, String callingCountry, String callDirection, Boolean answered,
                     Long talkSeconds) {
        if (!"MOBILE_ORIGINATED".equals(callDirection)) {
            collect(GenericRowData.of(null, null, null, null, 0L, ZERO, ZERO, null)); // MT: not charged
            return;
        }
        TariffTable.Tariff tariff = tariffs.lookup(calledNumber, callingCountry);
        if (tariff == null) {
            collect(GenericRowData.of(null, null, null, null, 0L, ZERO, ZERO,
                    StringData.fromString("UNRATED_DESTINATION")));
            return;
        }
        long billable = Boolean.TRUE.equals(answered) ? tariff.billableSeconds(talkSeconds) : 0L;
        BigDecimal amount = Boolean.TRUE.equals(answered) ? tariff.amount(billable) : BigDecimal.ZERO;
        BigDecimal tax = amount.multiply(taxRate).setScale(6, RoundingMode.HALF_UP);
        collect(GenericRowData.of(StringData.fromString(tariff.prefix), StringData.fromString(tariff.destination),
                money(tariff.ratePerMinute), money(tariff.connectFee), billable, money(amount), money(tax), null));
    }

    private static DecimalData money(BigDecimal value) {
        return DecimalData.fromBigDecimal(value.setScale(6, RoundingMode.HALF_UP), 18, 6);
    }
}
