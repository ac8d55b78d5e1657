package org.cdrpipeline.flink.rating;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.Path;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The texts of a tariff folder, by path relative to it, through Flink's file systems: a local
 * folder (file://) or s3://bucket/prefix on MSF (the application's role reads it).
 */
final class TariffFolder {
    private TariffFolder() {}

    static Map<String, String> read(String location) throws IOException {
        Path root = new Path(location);
        FileSystem fs = root.getFileSystem();
        Map<String, String> files = new TreeMap<>();
        collect(fs, root, "", files);
        return files;
    }

    private static void collect(FileSystem fs, Path folder, String prefix, Map<String, String> files)
            throws IOException {
        FileStatus[] entries = fs.listStatus(folder);
        if (entries == null) {
            throw new IOException(folder + ": no such folder");
        }
        for (FileStatus entry : entries) {
            String name = entry.getPath().getName();
            if (name.startsWith(".")) {
                continue; // an editor's or a sync tool's file, not the operator's
            }
            if (entry.isDir()) {
                collect(fs, entry.getPath(), prefix + name + "/", files);
            } else {
                try (FSDataInputStream in = fs.open(entry.getPath())) {
                    files.put(prefix + name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
    }
}
