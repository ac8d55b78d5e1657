package org.cdrpipeline.flink.aws;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Which AWS errors pass by themselves. Transient: the network (refused, reset, timed out),
 * throttling, and 5xx; a connector retries those, with backoff, for as long as they last.
 * Everything else (access denied, a stream or table that does not exist, a request the
 * service rejects, credentials that cannot be loaded) will not change by retrying: it fails
 * the job at once, with a message saying what and why.
 */
public final class AwsErrors {
    private static final Set<String> TRANSIENT_CODES = Set.of(
            "ProvisionedThroughputExceededException", "LimitExceededException", "ThrottlingException",
            "Throttling", "RequestLimitExceeded", "KMSThrottlingException", "RequestThrottledException",
            "TooManyRequestsException", "InternalFailure", "InternalServerError", "ServiceUnavailable",
            "RequestTimeout", "RequestTimeoutException", "ExpiredTokenException", "TransactionInProgressException");

    private AwsErrors() {}

    public static boolean isTransient(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof AwsServiceException) {
            AwsServiceException service = (AwsServiceException) e;
            String code = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
            return service.statusCode() >= 500 || service.isThrottlingException()
                    || (code != null && TRANSIENT_CODES.contains(code));
        }
        if (e instanceof SdkClientException) {
            String message = String.valueOf(e.getMessage());
            return !(message.contains("Unable to load credentials") || message.contains("Unable to load region"));
        }
        return e instanceof java.io.IOException;
    }

    /** "ErrorCode (HTTP status): message", or the exception's own message. */
    public static String describe(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof AwsServiceException && ((AwsServiceException) e).awsErrorDetails() != null) {
            AwsServiceException service = (AwsServiceException) e;
            return service.awsErrorDetails().errorCode() + " (HTTP " + service.statusCode() + "): "
                    + service.awsErrorDetails().errorMessage();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    public static String errorCode(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof AwsServiceException && ((AwsServiceException) e).awsErrorDetails() != null) {
            return ((AwsServiceException) e).awsErrorDetails().errorCode();
        }
        return null;
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
