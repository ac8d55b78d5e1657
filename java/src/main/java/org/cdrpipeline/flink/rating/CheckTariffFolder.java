package org.cdrpipeline.flink.rating;

import org.apache.flink.table.functions.ScalarFunction;

import java.io.IOException;

/**
 * CHECK_TARIFF_FOLDER(location): NULL when the JVM's rating function would load the tariff
 * folder, else why not ("file, line N: problem"). What a deploy pipeline runs before an upload
 * goes live, and how the agreement test holds the JVM's checks to domain/tariff_files.py's.
 */
public final class CheckTariffFolder extends ScalarFunction {
    private static final long serialVersionUID = 1L;

    public String eval(String location) {
        try {
            TariffFiles.parse(TariffFolder.read(location));
            return null;
        } catch (TariffFiles.TariffException error) {
            return error.getMessage();
        } catch (IOException error) {
            return location + ": cannot be read: " + error.getMessage();
        }
    }
}
