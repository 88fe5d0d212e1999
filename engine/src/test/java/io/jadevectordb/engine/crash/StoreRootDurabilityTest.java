package io.jadevectordb.engine.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.TestOptions;
import io.jadevectordb.engine.VectorStore;

/**
 * A store whose root did not exist: what a commit promised survives a power loss right after
 * it, although the directories the open created were never in the file system's journal
 * otherwise (the entries of new directories are durable only once their parents are forced).
 */
class StoreRootDurabilityTest {

    @TempDir
    Path dir;

    @Test
    void aCommitSurvivesAPowerLossInAStoreWhoseRootTheOpenCreated() throws Exception {
        Path base = Files.createDirectories(dir.resolve("base"));
        RecordingFileIO io = RecordingFileIO.under(base);
        StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO);
        SourcePartition source = new SourcePartition("vectors", 3);
        int committed;
        try (VectorStore store = VectorStore.open(base.resolve("data").resolve("store"), TestOptions.withFileIO(options, io))) {
            store.createDatabase("a", 2);
            store.apply("a", source, List.of(Mutation.store("x", new float[] {1, 2}, 7)));
            store.commit(source, 7);
            committed = io.recording().mark();
        }
        Path image = dir.resolve("image");
        // The least a power loss right after the commit may leave: every file and directory entry as of its last force.
        new PowerLossImages(io.recording()).materialiseForcedOnly(committed, image);

        try (VectorStore store = VectorStore.open(image.resolve("data").resolve("store"), options)) {
            assertThat(store.checkpoint(source)).as("the committed checkpoint").isEqualTo(OptionalLong.of(7));
            assertThat(store.database("a")).as("the database").isPresent();
            assertThat(store.database("a").orElseThrow().get("x")).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2));
        }
    }
}
