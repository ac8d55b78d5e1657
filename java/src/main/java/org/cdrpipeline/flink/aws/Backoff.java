package org.cdrpipeline.flink.aws;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with "equal jitter": the n-th wait in a row is drawn from
 * [d/2, d] with d = min(cap, base * 2^(n-1)), so that readers or writers throttled together do
 * not retry together, and a wait never falls below half its step.
 */
public final class Backoff {
    private final long baseMillis;
    private final long capMillis;
    private int failures;

    public Backoff(long baseMillis, long capMillis) {
        this.baseMillis = baseMillis;
        this.capMillis = capMillis;
    }

    /** Records a failure and returns how long to wait before the next attempt. */
    public long nextDelayMillis() {
        failures++;
        long step = Math.min(capMillis, baseMillis << Math.min(failures - 1, 30));
        return step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1);
    }

    public void reset() {
        failures = 0;
    }

    /** Failures in a row since the last success. */
    public int failures() {
        return failures;
    }
}
