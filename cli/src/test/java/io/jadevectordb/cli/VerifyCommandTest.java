package io.jadevectordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.VectorStore;

class VerifyCommandTest {

    @TempDir
    Path root;

    /** Flips a byte of the vector in data slot 0 and returns the index position of the entry that owns it. */
    /** Flips a vector byte of the first committed record (at 4096, after the header page). */
    private static void corruptFirstRecord(Path shard) throws Exception {
        byte[] bytes = Files.readAllBytes(shard);
        bytes[4096 + 24 + 2] ^= 0x10;
        Files.write(shard, bytes);
    }

    @Test
    void aHealthyStorePassesWithOneLinePerShardAndExitsZero() throws Exception {
        TestStore.write(root, "articles", 8, 40, 1);
        TestStore.write(root, "notes", 3, 10, 2);
        Cli.Run run = Cli.run(root, "verify");
        assertThat(run.code()).isZero();
        assertThat(run.lines()).hasSize(5);
        assertThat(run.lines().get(0)).startsWith("OK    " + root.resolve("articles/vectors-0.jvdb") + ": 27 records, 20 ids, checkpoint A valid");
        assertThat(run.lines().get(0)).contains("B valid").contains("source offset 80, log end ").endsWith("clean)");
        assertThat(run.lines().get(4)).isEqualTo("verified 4 shards in 2 databases: 0 faults, 0 notes");
    }

    @Test
    void aCorruptedFileFailsWithALineNamingFileEntryAndFault() throws Exception {
        TestStore.write(root, "articles", 8, 40, 1);
        Path shard = root.resolve("articles/vectors-1.jvdb");
        corruptFirstRecord(shard);
        Cli.Run run = Cli.run(root, "verify", "articles");
        assertThat(run.code()).isEqualTo(ExitCodes.PROBLEM_FOUND);
        assertThat(run.out()).contains("OK    " + root.resolve("articles/vectors-0.jvdb"));
        assertThat(run.out()).contains("FAULT " + shard + ": ");
        assertThat(run.lines()).anySatisfy(line -> assertThat(line)
                .startsWith("  FAULT " + shard + ": record at 4096: committed record (checkpoint generation ")
                .contains("checksum mismatch").contains("restore it from a backup"));
        assertThat(run.lines().get(run.lines().size() - 1)).isEqualTo("verified 2 shards in 1 database: 1 fault, 0 notes");
    }

    @Test
    void faultsOnlyLeavesOutPassingShards() throws Exception {
        TestStore.write(root, "articles", 8, 40, 1);
        Path shard = root.resolve("articles/vectors-0.jvdb");
        corruptFirstRecord(shard);
        Cli.Run run = Cli.run(root, "verify", "--faults-only");
        assertThat(run.code()).isEqualTo(ExitCodes.PROBLEM_FOUND);
        assertThat(run.out()).doesNotContain("vectors-1.jvdb").doesNotContain("OK ");
        assertThat(run.lines()).hasSize(3);
    }

    @Test
    void aFileThatIsNotAShardIsAFaultAndTheOthersAreStillChecked() throws Exception {
        TestStore.write(root, "articles", 8, 40, 1);
        Path shard = root.resolve("articles/vectors-0.jvdb");
        byte[] bytes = Files.readAllBytes(shard);
        bytes[0] = 'X';
        Files.write(shard, bytes);
        Cli.Run run = Cli.run(root, "verify");
        assertThat(run.code()).isEqualTo(ExitCodes.PROBLEM_FOUND);
        assertThat(run.out()).contains("FAULT " + shard + ": header: shard " + shard + ": not a JVDB shard file");
        assertThat(run.out()).contains("OK    " + root.resolve("articles/vectors-1.jvdb"));
    }

    @Test
    void aShardOpenByAWriterPassesWithNotes() throws Exception {
        TestStore.write(root, "articles", 8, 40, 1);
        // Applied (and forced by the background flusher), never committed: verify does not look past the committed log end.
        try (VectorStore writer = VectorStore.open(root, TestStore.OPTIONS.withFlushInterval(Duration.ofMillis(20)))) {
            writer.apply("articles", TestStore.P0, List.of(Mutation.store("new", new float[8], 500), Mutation.delete("id-2", 501)));
            Cli.Run run = Cli.run(root, "verify");
            assertThat(run.code()).isZero();
            assertThat(run.out()).contains("  NOTE " + root.resolve("articles/vectors-0.jvdb") + ": checkpoint: not closed cleanly");
            assertThat(run.lines().get(run.lines().size() - 1)).startsWith("verified 2 shards in 1 database: 0 faults, ");
        }
    }
}
