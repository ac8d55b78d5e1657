package org.cdrpipeline.flink.cdr;

/** A record that breaks the CDR contract: a reason code (stable, for counting) and a detail. */
final class Reject extends Exception {
    private static final long serialVersionUID = 1L;

    final String code;

    Reject(String code, String detail) {
        super(detail, null, false, false);
        this.code = code;
    }
}
