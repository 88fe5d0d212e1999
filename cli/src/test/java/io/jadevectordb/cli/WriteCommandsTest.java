package io.jadevectordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.VectorStore;

/** compact and drop: explicit, and refused while a writer holds a lock. */
class WriteCommandsTest {

    @TempDir
    Path root;

    private long storeBytes(String db) throws Exception {
        long total = 0;
        for (String shard : List.of("vectors-0.jvdb", "vectors-1.jvdb")) {
            total += Files.size(root.resolve(db).resolve(shard));
        }
        return total;
    }

    @Test
    void compactReclaimsTheSpaceOfDeletedIdsAndKeepsEveryLiveVector() throws Exception {
        Map<String, float[]> live = TestStore.write(root, "articles", 64, 900, 3);
        long before = storeBytes("articles");

        Cli.Run run = Cli.run(root, "compact", "articles");

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.lines()).hasSize(3);
        assertThat(run.lines().get(0)).startsWith("compacted articles/vectors-0.jvdb: ")
                .contains("300 live, 150 tombstones kept").contains("checkpoint offset 1800 unchanged");
        assertThat(run.lines().get(2)).startsWith("database articles: 2 of 2 shards compacted, ");
        assertThat(storeBytes("articles")).isLessThan(before);
        Cli.Run stats = Cli.run(root, "stats", "articles");
        // Tombstones stay (replay must not resurrect a deleted id); the STOREs they superseded are gone.
        assertThat(stats.lines().get(0)).startsWith("database articles: dimension 64, 600 live, 300 deleted, 2 shards");
        assertThat(stats.lines().get(2).split("\\s+")).startsWith("", "vectors-0.jvdb", "300", "150").contains("0", "B", "1800", "clean");
        ReadCommandsTest.assertBitExact(ReadCommandsTest.parse(Cli.run(root, "dump", "articles").out()), live);
        assertThat(Cli.run(root, "verify").code()).isZero();
    }

    @Test
    void compactRefusesAShardWhoseLockAWriterHoldsAndCompactsTheOthers() throws Exception {
        TestStore.write(root, "articles", 64, 300, 3);
        Path held = root.resolve("articles/vectors-0.jvdb");
        try (VectorStore writer = TestStore.open(root)) {
            writer.apply("articles", TestStore.P0, List.of(Mutation.store("new", new float[64], 5000)));
            byte[] heldBefore = Files.readAllBytes(held);

            Cli.Run run = Cli.run(root, "compact", "articles");

            assertThat(run.code()).isEqualTo(ExitCodes.LOCKED);
            assertThat(run.err()).contains("refused articles/vectors-0.jvdb").contains("locked by another writer");
            assertThat(run.out()).contains("compacted articles/vectors-1.jvdb").contains("1 of 2 shards compacted");
            assertThat(Files.readAllBytes(held)).isEqualTo(heldBefore);
        }
    }

    @Test
    void dropWithoutYesChangesNothingAndSaysWhatItWouldDelete() throws Exception {
        TestStore.write(root, "articles", 8, 30, 3);
        Cli.Run run = Cli.run(root, "drop", "articles");
        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("deletes database 'articles' (20 live vectors, 2 shard files").contains("--yes");
        assertThat(root.resolve("articles/vectors-0.jvdb")).exists();
    }

    @Test
    void dropWithYesDeletesTheDatabase() throws Exception {
        TestStore.write(root, "articles", 8, 30, 3);
        TestStore.write(root, "notes", 8, 3, 4);
        Cli.Run run = Cli.run(root, "drop", "articles", "--yes");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("dropped database articles (20 live vectors, 2 shard files");
        assertThat(root.resolve("articles")).doesNotExist();
        assertThat(Cli.run(root, "ls").lines()).first().asString().startsWith("notes");
        assertThat(Cli.run(root, "drop", "articles", "--yes").code()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void dropIsRefusedAsAWholeWhileAWriterHoldsOneShard() throws Exception {
        TestStore.write(root, "articles", 8, 30, 3);
        try (VectorStore writer = TestStore.open(root)) {
            writer.apply("articles", TestStore.P1, List.of(Mutation.store("new", new float[8], 5000)));
            Cli.Run run = Cli.run(root, "drop", "articles", "--yes");
            assertThat(run.code()).isEqualTo(ExitCodes.LOCKED);
            assertThat(run.err()).contains("vectors-1.jvdb").contains("locked by another writer");
            assertThat(root.resolve("articles/vectors-0.jvdb")).exists();
            assertThat(root.resolve("articles/vectors-1.jvdb")).exists();
        }
    }

    @Test
    void compactLeavesADamagedShardAloneExitsFiveAndCompactsTheOthers() throws Exception {
        TestStore.write(root, "articles", 8, 60, 3);
        Path damaged = root.resolve("articles/vectors-1.jvdb");
        byte[] bytes = Files.readAllBytes(damaged);
        bytes[4096 + 24] ^= 1; // a vector byte of the first committed record
        Files.write(damaged, bytes);

        Cli.Run run = Cli.run(root, "compact", "articles");

        assertThat(run.code()).isEqualTo(ExitCodes.FAILED);
        assertThat(run.err()).contains("articles/vectors-1.jvdb: not compacted").contains("record at 4096").contains("checksum mismatch");
        assertThat(run.out()).contains("compacted articles/vectors-0.jvdb").contains("1 of 2 shards compacted");
        assertThat(Files.readAllBytes(damaged)).isEqualTo(bytes);
    }
}
