package io.jadevectordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvdb migrate} on a format 1 shard written by the format 1 writer before it was deleted
 * ({@code src/test/resources/format1}, see its README).
 */
class MigrateCommandTest {

    @TempDir
    Path root;

    /**
     * Database {@code articles} (dimension 8) whose vectors-1 is format 2 and vectors-0 format 1:
     * x0..x9 stored at offsets 0..9 (vectors from {@code TestStore.random} with seed 5), x3 deleted at
     * 10, committed at 10 and closed cleanly. Returns x0..x9's vectors.
     */
    private Map<String, float[]> mixedStore() throws Exception {
        TestStore.write(root, "articles", 8, 20, 1);
        Path v0 = root.resolve("articles/vectors-0.jvdb");
        Files.delete(v0);
        Files.deleteIfExists(v0.resolveSibling("vectors-0.jvdb.index"));
        Random random = new Random(5);
        Map<String, float[]> stores = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            stores.put("x" + i, TestStore.random(random, 8));
        }
        try (InputStream fixture = MigrateCommandTest.class.getResourceAsStream("/format1/articles-vectors-0.jvdb")) {
            Files.copy(fixture, v0);
        }
        assertThat(version(v0)).isEqualTo(1);
        return stores;
    }

    @Test
    void upgradesFormatOneShardsInPlaceKeepingTheirStateAndLeavesFormatTwoAlone() throws Exception {
        Map<String, float[]> stores = mixedStore();
        Path v0 = root.resolve("articles/vectors-0.jvdb");
        Path v1 = root.resolve("articles/vectors-1.jvdb");
        byte[] formatTwoBefore = Files.readAllBytes(v1);
        Cli.Run before = Cli.run(root, "verify", "articles");
        assertThat(before.code()).isZero();
        assertThat(before.out()).contains("  NOTE " + v0 + ": header: format 1, not checked").contains("jvdb migrate articles");

        Cli.Run run = Cli.run(root, "migrate");

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.lines()).containsExactly(
                run.lines().get(0), "already format 2: articles/vectors-1.jvdb", "1 shard migrated, 1 already format 2, 0 refused");
        assertThat(run.lines().get(0)).startsWith("migrated articles/vectors-0.jvdb: format 1 -> 2, ")
                .contains("(9 live, 1 deleted, checkpoint offset 10 unchanged)");
        assertThat(version(v0)).isEqualTo(2);
        assertThat(Files.readAllBytes(v1)).isEqualTo(formatTwoBefore);
        Cli.Run verify = Cli.run(root, "verify", "articles");
        assertThat(verify.code()).isZero();
        assertThat(verify.out()).doesNotContain("NOTE").contains("0 faults, 0 notes");
        Map<String, float[]> expected = new LinkedHashMap<>(stores);
        expected.remove("x3");
        assertThat(Cli.run(root, "get", "articles", "x3").code()).isEqualTo(ExitCodes.PROBLEM_FOUND);
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            Cli.Run get = Cli.run(root, "get", "articles", e.getKey());
            ReadCommandsTest.assertBitExact(ReadCommandsTest.parse(get.out()), Map.of(e.getKey(), e.getValue()));
        }
        assertThat(Cli.run(root, "stats", "articles").lines().get(2).split("\\s+")).startsWith("", "vectors-0.jvdb", "9", "1")
                .contains("10", "clean");

        assertThat(Cli.run(root, "migrate", "articles").lines()).last().isEqualTo("0 shards migrated, 2 already format 2, 0 refused");
    }

    @Test
    void refusesAShardWhoseLockAWriterHoldsAndLeavesItInFormatOne() throws Exception {
        mixedStore();
        Path v0 = root.resolve("articles/vectors-0.jvdb");
        // The writer lock is an OS lock on the sibling .lock file; held here as a writer in this JVM would hold it.
        try (FileChannel lockFile = FileChannel.open(v0.resolveSibling("vectors-0.jvdb.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock writer = lockFile.lock()) {
            byte[] heldBefore = Files.readAllBytes(v0);

            Cli.Run run = Cli.run(root, "migrate", "articles");

            assertThat(run.code()).isEqualTo(ExitCodes.LOCKED);
            assertThat(run.err()).contains("jvdb migrate: refused articles/vectors-0.jvdb").contains("locked by another writer")
                    .contains("run migrate again");
            assertThat(run.lines()).last().isEqualTo("0 shards migrated, 1 already format 2, 1 refused");
            assertThat(Files.readAllBytes(v0)).isEqualTo(heldBefore);
        }
        assertThat(version(v0)).isEqualTo(1);
    }

    /** The format version in a shard file's header (bytes 4..5, little-endian). */
    private static int version(Path file) throws Exception {
        byte[] header = Files.readAllBytes(file);
        return (header[4] & 0xff) | (header[5] & 0xff) << 8;
    }
}
