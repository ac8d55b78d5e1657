package org.cdrpipeline.flink.kinesis;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitialPositionTest {
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final Duration DAY = Duration.ofHours(24);

    @Test
    void latestIsTheMomentOfDiscoveryFixedInTheSplit() {
        assertEquals(StartPosition.atTimestamp(NOW), InitialPosition.parse("latest", null, null).resolve(NOW, DAY));
    }

    @Test
    void trimHorizonStaysTrimHorizon() {
        assertEquals(StartPosition.trimHorizon(), InitialPosition.parse("TRIM_HORIZON", null, null).resolve(NOW, DAY));
    }

    @Test
    void aTimestampOlderThanRetentionFallsBackToTrimHorizon() {
        InitialPosition old = InitialPosition.parse("AT_TIMESTAMP", "2026-11-30T10:00:00Z", null);
        assertEquals(StartPosition.trimHorizon(), old.resolve(NOW, DAY));
        InitialPosition recent = InitialPosition.parse("AT_TIMESTAMP", "2026-12-01T10:00:01Z", null);
        assertEquals(StartPosition.atTimestamp(Instant.parse("2026-12-01T10:00:01Z")), recent.resolve(NOW, DAY));
    }

    @Test
    void timestampsInTheOfficialForms() {
        Instant expected = Instant.parse("2016-04-04T19:58:46.480Z");
        assertEquals(expected, InitialPosition.parseTimestamp("2016-04-04T19:58:46.480-00:00", null));
        assertEquals(expected, InitialPosition.parseTimestamp("1459799926.480", null));
        assertEquals(expected, InitialPosition.parseTimestamp("2016-04-04T21:58:46.480+02:00", null));
        assertEquals(expected, InitialPosition.parseTimestamp("2016-04-04T19:58:46.48Z", null));
        assertEquals(Instant.parse("2016-04-04T19:58:46Z"),
                InitialPosition.parseTimestamp("04/04/2016 19:58:46 +0000", "dd/MM/yyyy HH:mm:ss Z"));
    }

    @Test
    void errorsNameTheOption() {
        IllegalArgumentException noTimestamp = assertThrows(IllegalArgumentException.class,
                () -> InitialPosition.parse("AT_TIMESTAMP", null, null));
        assertTrue(noTimestamp.getMessage().contains("'source.init.timestamp'"));
        IllegalArgumentException badTimestamp = assertThrows(IllegalArgumentException.class,
                () -> InitialPosition.parse("AT_TIMESTAMP", "yesterday", null));
        assertTrue(badTimestamp.getMessage().contains("'source.init.timestamp' = 'yesterday'"));
        IllegalArgumentException badPosition = assertThrows(IllegalArgumentException.class,
                () -> InitialPosition.parse("EARLIEST", null, null));
        assertTrue(badPosition.getMessage().contains("'source.init.position'"));
    }
}
