package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.crash.FailingForceFileIO;

/** One owner per store: a store directory belongs to the first identity that opens it for writing. */
class StoreOwnerTest {

    private static final SourcePartition SOURCE = new SourcePartition("vectors", 0);

    @TempDir
    Path root;

    private static final StoreOptions OPTIONS = StoreOptions.defaults().withFlushInterval(Duration.ZERO);

    @Test
    void aSecondOwnerIsRefusedNamingBothAndTheFixAndTheStoreIsUntouched() throws Exception {
        try (VectorStore store = VectorStore.open(root, OPTIONS, "connector:alpha")) {
            store.createDatabase("articles", 2);
            store.apply("articles", SOURCE, List.of(Mutation.store("a", new float[] {1, 2}, 5)));
            store.commit(SOURCE, 5);
        }

        assertThatThrownBy(() -> VectorStore.open(root, OPTIONS, "connector:beta"))
                .isInstanceOf(StoreOwnedException.class)
                .hasMessageContaining("connector:alpha").hasMessageContaining("connector:beta")
                .hasMessageContaining(root.toString()).hasMessageContaining("own data directory");

        try (VectorStore store = VectorStore.open(root, OPTIONS, "connector:alpha")) {
            assertThat(store.checkpoint(SOURCE)).as("the owner reopens its store").isEqualTo(OptionalLong.of(5));
        }
    }

    @Test
    void aStoreWithoutAnOwnerIsAdoptedByTheFirstOwnerAndReadersClaimNothing() throws Exception {
        try (VectorStore store = VectorStore.open(root, OPTIONS)) {
            store.createDatabase("articles", 2);
        }
        try (VectorStore reader = VectorStore.open(root, OPTIONS)) {
            assertThat(reader.databaseNames()).containsExactly("articles");
        }
        try (VectorStore adopted = VectorStore.open(root, OPTIONS, "connector:alpha")) {
            assertThat(adopted.databaseNames()).containsExactly("articles");
        }
        assertThatThrownBy(() -> VectorStore.open(root, OPTIONS, "connector:beta")).isInstanceOf(StoreOwnedException.class);
        try (VectorStore reader = VectorStore.open(root, OPTIONS)) {
            assertThat(reader.databaseNames()).as("a reader (no owner) still opens an owned store").containsExactly("articles");
        }
    }

    @Test
    void theOwnerRecordIsForcedThroughTheSeamBeforeTheOpenReturns() throws Exception {
        FailingForceFileIO failing = new FailingForceFileIO(p -> true);

        assertThatThrownBy(() -> VectorStore.open(root, OPTIONS.withFileIO(failing), "connector:alpha"))
                .hasMessageContaining("injected");
        assertThat(root.resolve(StoreOwner.FILE)).as("no owner record that was never forced").doesNotExist();
        try (VectorStore store = VectorStore.open(root, OPTIONS, "connector:beta")) {
            assertThat(StoreOwner.read(root)).isEqualTo("connector:beta");
        }
    }
}
