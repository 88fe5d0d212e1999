package io.jadevectordb.quickstart;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The quickstart's work directory, made ready for a new run. Each run starts a new Kafka
 * cluster, so the previous run's broker data, worker state and shards must go: shards left
 * behind would hold checkpoints at offsets of topics that no longer exist, and the sink would
 * skip the new topics' first records as already applied. Only a directory the quickstart made
 * (it holds {@value #MARKER}, or nothing but the parts a run makes) is cleared, and only those parts.
 */
final class WorkDirectory {

    static final String MARKER = ".jadevectordb-quickstart";
    private static final List<String> OWNED = List.of("kafka", "connect", "data");

    private WorkDirectory() {
    }

    /**
     * Creates {@code dir} (marked as the quickstart's) or clears what an earlier run left in it.
     *
     * @throws IllegalArgumentException when {@code dir} holds files and is not a quickstart work directory
     */
    static void prepare(Path dir, PrintStream out) throws IOException {
        Path marker = dir.resolve(MARKER);
        if (Files.isDirectory(dir) && !Files.exists(marker)) {
            try (Stream<Path> entries = Files.list(dir)) {
                // Holding only what a run makes (an older quickstart wrote no marker) counts as the quickstart's.
                if (entries.anyMatch(p -> !OWNED.contains(p.getFileName().toString()))) {
                    throw new IllegalArgumentException("--work-dir " + dir.toAbsolutePath() + " is not empty and was not made "
                            + "by the quickstart (no " + MARKER + " in it); it clears its work directory at every run, so "
                            + "give it an empty or new directory");
                }
            }
        }
        Files.createDirectories(dir);
        boolean cleared = false;
        for (String part : OWNED) {
            Path owned = dir.resolve(part);
            if (Files.exists(owned)) {
                deleteTree(owned);
                cleared = true;
            }
        }
        if (cleared) {
            out.println("Cleared the previous run's broker, worker and shard files in " + dir);
        }
        if (!Files.exists(marker)) {
            Files.createFile(marker);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
