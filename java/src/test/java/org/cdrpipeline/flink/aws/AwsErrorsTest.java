package org.cdrpipeline.flink.aws;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AwsErrorsTest {
    private static AwsServiceException service(String code, int status) {
        return AwsServiceException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("m").build()).build();
    }

    @Test
    void throttlingNetworkAnd5xxPassByThemselves() {
        assertTrue(AwsErrors.isTransient(service("ProvisionedThroughputExceededException", 400)));
        assertTrue(AwsErrors.isTransient(service("LimitExceededException", 400)));
        assertTrue(AwsErrors.isTransient(service("ThrottlingException", 400)));
        assertTrue(AwsErrors.isTransient(service("InternalFailure", 500)));
        assertTrue(AwsErrors.isTransient(service("Whatever", 503)));
        assertTrue(AwsErrors.isTransient(new CompletionException(
                SdkClientException.create("Unable to execute HTTP request", new ConnectException("refused")))));
    }

    @Test
    void whatRetryingCannotFixIsNotTransient() {
        assertFalse(AwsErrors.isTransient(service("AccessDeniedException", 400)));
        assertFalse(AwsErrors.isTransient(service("ResourceNotFoundException", 400)));
        assertFalse(AwsErrors.isTransient(service("ValidationException", 400)));
        assertFalse(AwsErrors.isTransient(SdkClientException.create("Unable to load credentials from any provider")));
        assertEquals("AccessDeniedException (HTTP 400): m", AwsErrors.describe(service("AccessDeniedException", 400)));
    }

    @Test
    void backoffGrowsToItsCapWithJitterAndResets() {
        Backoff backoff = new Backoff(100, 1_000);
        long[] steps = {100, 200, 400, 800, 1_000, 1_000};
        for (long step : steps) {
            long delay = backoff.nextDelayMillis();
            assertTrue(delay >= step / 2 && delay <= step, delay + " not in [" + step / 2 + ", " + step + "]");
        }
        assertEquals(6, backoff.failures());
        backoff.reset();
        assertTrue(backoff.nextDelayMillis() <= 100);
    }
}
