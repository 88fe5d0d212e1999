package io.jadevectordb.connect.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The packaged plugin archive ({@code target/*-plugin.zip}, built in the package phase) as the
 * failsafe tests find and install it: what a user downloads and unzips into {@code plugin.path}.
 */
public final class PluginArchive {

    private PluginArchive() {
    }

    /** The archive: named by failsafe's configuration, else the one in target/ (a run from an IDE after package). */
    public static Path path() throws IOException {
        String path = System.getProperty("plugin.archive");
        if (path != null) {
            return Paths.get(path);
        }
        try (var found = Files.list(Paths.get("target"))) {
            return found.filter(p -> p.getFileName().toString().endsWith("-plugin.zip")).findFirst()
                    .orElseThrow(() -> new IOException("no target/*-plugin.zip: this test checks the packaged "
                            + "archive; run it with mvn verify (the archive is built in the package phase)"));
        }
    }

    /** Entry names in archive order (the first is the base directory). */
    public static List<String> entries(ZipFile zip) {
        List<String> names = new ArrayList<>();
        zip.stream().map(ZipEntry::getName).forEach(names::add);
        return names;
    }

    /**
     * Unzips {@code zipFile} into {@code into}, refusing entries that would escape it, and
     * returns the archive's top directory (the plugin location inside a {@code plugin.path}).
     */
    public static Path unzip(Path zipFile, Path into) throws IOException {
        Path top = null;
        try (ZipFile zip = new ZipFile(zipFile.toFile())) {
            for (ZipEntry entry : entries(zip).stream().map(zip::getEntry).toList()) {
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("archive entry " + entry.getName() + " escapes the target directory");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    if (top == null) {
                        top = target;
                    }
                } else {
                    Files.createDirectories(target.getParent());
                    try (InputStream in = zip.getInputStream(entry)) {
                        Files.copy(in, target);
                    }
                }
            }
        }
        if (top == null) {
            throw new IOException(zipFile + " has no top directory: not a Connect component archive");
        }
        return top;
    }
}
