package org.cdrpipeline.flink.cdr;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.ValidationResult;
import com.google.i18n.phonenumbers.Phonenumber;
import com.google.i18n.phonenumbers.ShortNumberInfo;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * E.164 numbering: the rules of domain/numbering.py, with the same library (libphonenumber, the
 * version Python's phonenumbers ports) and the same reasons word for word.
 *
 * <ul>
 *   <li>a called service number (a short number valid in the caller's country, a feature code,
 *       or digits, * and # declared SERVICE) is kept as dialled;
 *   <li>an E.164 number must be possible for its country code (length check): too short, too
 *       long or no such country code is refused; a possible number outside every range the
 *       library knows as assigned is kept (numbering plans change faster than releases);
 *   <li>a national or 00/011 form must be a valid number dialled from the subscriber's country.
 * </ul>
 *
 * <p>Subscribers' numbers repeat from call to call, so each thread keeps the verdicts of the
 * last 65,536 E.164 numbers it checked.
 */
final class Numbering {
    static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");
    /** What a national or 00/011-prefixed number may look like before normalisation. */
    static final Pattern DIALABLE = Pattern.compile("\\+?[0-9(][0-9 ()./-]{2,30}");
    /** What a service number may look like: digits, * and #, as dialled. */
    static final Pattern SERVICE = Pattern.compile("[0-9*#]{2,15}");
    static final Pattern FEATURE_CODE = Pattern.compile("[*#][0-9*#]{1,14}");
    private static final Pattern SHORT_DIGITS = Pattern.compile("[0-9]{1,8}"); // the longest have 6
    private static final ShortNumberInfo SHORT_NUMBERS = ShortNumberInfo.getInstance();
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final int CACHED = 65_536;
    private static final ThreadLocal<Map<String, Optional<String>>> CHECKED = ThreadLocal.withInitial(
            () -> new LinkedHashMap<>(1024, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Optional<String>> eldest) {
                    return size() > CACHED;
                }
            });

    private Numbering() {}

    /** A number refused; the message follows the number ("'+4412' is too short for country code +44"). */
    static final class NumberException extends Exception {
        private static final long serialVersionUID = 1L;

        NumberException(String number, String why) {
            super("'" + number + "' " + why);
        }
    }

    /** Syntax a party's number must have: E.164, a dialable form, or a service number's. */
    static boolean mayBeNumber(String number) {
        return E164.matcher(number).matches() || DIALABLE.matcher(number).matches()
                || SERVICE.matcher(number).matches();
    }

    /** A feature code, or a short number (emergency, 116xxx, directory, ...) valid in `region`. */
    static boolean isService(String number, String region) {
        if (FEATURE_CODE.matcher(number).matches()) {
            return true;
        }
        if (region == null || !SHORT_DIGITS.matcher(number).matches()) {
            return false;
        }
        try {
            return SHORT_NUMBERS.isValidShortNumberForRegion(PHONES.parse(number, region), region);
        } catch (NumberParseException e) {
            return false;
        }
    }

    /** A number its producer declared SERVICE: kept as dialled if it has a service number's syntax. */
    static void checkService(String number) throws NumberException {
        if (!SERVICE.matcher(number).matches()) {
            throw new NumberException(number, "is not a service number (2 to 15 digits, * and #)");
        }
    }

    /** The E.164 form of `number` dialled from `region` (ISO 3166-1 alpha-2, may be null). */
    static String normalise(String number, String region) throws NumberException {
        if (E164.matcher(number).matches()) {
            Optional<String> reason = CHECKED.get().computeIfAbsent(number, n -> Optional.ofNullable(impossibleReason(n)));
            if (reason.isPresent()) {
                throw new NumberException(number, reason.get());
            }
            return number;
        }
        if (!DIALABLE.matcher(number).matches()) {
            throw new NumberException(number, "is not a telephone number");
        }
        String where = region == null ? "without a country to dial it from" : "dialled from " + region;
        try {
            Phonenumber.PhoneNumber parsed = PHONES.parse(number, region == null ? "ZZ" : region);
            if (PHONES.isValidNumber(parsed)) {
                String normalised = PHONES.format(parsed, PhoneNumberUtil.PhoneNumberFormat.E164);
                if (E164.matcher(normalised).matches()) {
                    return normalised;
                }
            }
        } catch (NumberParseException e) {
            // refused below
        }
        throw new NumberException(number, "is not a valid number " + where);
    }

    /**
     * Why an E.164-syntax number cannot exist, or null when it is possible. A length possible
     * only for local dialling (without the area code) is too short.
     */
    static String impossibleReason(String e164) {
        Phonenumber.PhoneNumber parsed;
        try {
            parsed = PHONES.parse(e164, "ZZ");
        } catch (NumberParseException e) {
            return e.getErrorType() == NumberParseException.ErrorType.INVALID_COUNTRY_CODE
                    ? "does not start with a country code" : "is too short to be a telephone number";
        }
        String code = "country code +" + parsed.getCountryCode();
        ValidationResult result = PHONES.isPossibleNumberWithReason(parsed);
        switch (result) {
            case IS_POSSIBLE:
                return null;
            case TOO_SHORT:
            case IS_POSSIBLE_LOCAL_ONLY:
                return "is too short for " + code;
            case TOO_LONG:
                return "is too long for " + code;
            case INVALID_COUNTRY_CODE:
                return "does not start with a country code";
            default:
                return "has a length no number of " + code + " has";
        }
    }
}
