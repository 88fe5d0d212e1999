package io.jadevectordb.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkDirectoryTest {

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true);

    @Test
    void aNewDirectoryIsCreatedAndMarkedAsTheQuickstarts() throws Exception {
        Path dir = tmp.resolve("qs");
        WorkDirectory.prepare(dir, out);
        assertThat(dir.resolve(WorkDirectory.MARKER)).exists();
        assertThat(printed.toString()).isEmpty();
    }

    @Test
    void aSecondRunClearsTheBrokerWorkerAndShardsOfTheFirstAndKeepsEverythingElse() throws Exception {
        Path dir = tmp.resolve("qs");
        WorkDirectory.prepare(dir, out);
        Files.createDirectories(dir.resolve("kafka/logs"));
        Files.writeString(dir.resolve("kafka/logs/meta.properties"), "cluster.id=old");
        Files.createDirectories(dir.resolve("data/articles"));
        Files.writeString(dir.resolve("data/articles/vectors-0.jvdb"), "old shard");
        Files.createDirectories(dir.resolve("connect"));
        Files.writeString(dir.resolve("notes.txt"), "mine");

        WorkDirectory.prepare(dir, out);

        assertThat(dir.resolve("kafka")).doesNotExist();
        assertThat(dir.resolve("data")).doesNotExist();
        assertThat(dir.resolve("connect")).doesNotExist();
        assertThat(dir.resolve("notes.txt")).hasContent("mine");
        assertThat(printed.toString()).contains("Cleared the previous run's");
    }

    @Test
    void aDirectoryHoldingOnlyWhatARunMakesIsTakenForAnOlderQuickstartsAndCleared() throws Exception {
        Path dir = tmp.resolve("old");
        Files.createDirectories(dir.resolve("kafka/logs"));
        Files.createDirectories(dir.resolve("data"));

        WorkDirectory.prepare(dir, out);

        assertThat(dir.resolve("kafka")).doesNotExist();
        assertThat(dir.resolve(WorkDirectory.MARKER)).exists();
    }

    @Test
    void aNonEmptyDirectoryTheQuickstartDidNotMakeIsRefusedAndLeftAlone() throws Exception {
        Path dir = tmp.resolve("precious");
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/keep.bin"), "keep");
        Files.writeString(dir.resolve("report.txt"), "mine");

        assertThatThrownBy(() -> WorkDirectory.prepare(dir, out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--work-dir " + dir.toAbsolutePath())
                .hasMessageContaining("give it an empty or new directory");
        assertThat(dir.resolve("data/keep.bin")).hasContent("keep");
    }
}
