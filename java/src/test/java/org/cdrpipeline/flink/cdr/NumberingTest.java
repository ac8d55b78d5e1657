package org.cdrpipeline.flink.cdr;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The cases of tests/unit/test_numbering.py, hand-written from the numbering plans. */
class NumberingTest {
    @Test
    void keepsPossibleNumbersAndReadsNationalForms() throws Exception {
        assertEquals("+33612345678", Numbering.normalise("+33612345678", null));
        assertEquals("+33612345678", Numbering.normalise("06 12 34 56 78", "FR"));
        assertEquals("+442079460958", Numbering.normalise("0044 20 7946 0958", "FR"));
        // 10 national digits after +44: a possible GB length, in no range known as assigned
        assertEquals("+441000000000", Numbering.normalise("+441000000000", null));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "+4412|GB|'+4412' is too short for country code +44",
        "+441234567890123|GB|'+441234567890123' is too long for country code +44",
        "+1202555012|GB|'+1202555012' is too short for country code +1",
        "+4420794609|GB|'+4420794609' is too short for country code +44",
        "+999123456|GB|'+999123456' does not start with a country code",
        "+12|GB|'+12' is too short to be a telephone number",
        "0000 000|GB|'0000 000' is not a valid number dialled from GB",
        "+1234567890123456|GB|'+1234567890123456' is not a valid number dialled from GB",
        "call-me|GB|'call-me' is not a telephone number",
    })
    void refusesImpossibleNumbersSayingWhy(String number, String region, String why) {
        Numbering.NumberException refused = assertThrows(Numbering.NumberException.class,
                () -> Numbering.normalise(number, region));
        assertEquals(why, refused.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "999|GB|true", "112|GB|true", "116123|GB|true", "118118|GB|true", "911|US|true", "15|FR|true",
        "*97|-|true", "#31#|GB|true", "999|FR|false", "112|-|false", "12|GB|false", "+442079460958|GB|false",
        "02079460958|GB|false",
    })
    void knowsServiceNumbersByTheCallersCountry(String number, String region, boolean service) {
        assertEquals(service, Numbering.isService(number, region));
    }

    @Test
    void aDeclaredServiceNumberHasAServiceNumbersSyntax() throws Exception {
        Numbering.checkService("8500");
        Numbering.NumberException refused = assertThrows(Numbering.NumberException.class,
                () -> Numbering.checkService("+442079460958"));
        assertEquals("'+442079460958' is not a service number (2 to 15 digits, * and #)", refused.getMessage());
    }

    @Test
    void aNationalFormNeedsACountry() {
        Numbering.NumberException refused = assertThrows(Numbering.NumberException.class,
                () -> Numbering.normalise("020 7946 0958", null));
        assertEquals("'020 7946 0958' is not a valid number without a country to dial it from", refused.getMessage());
    }
}
