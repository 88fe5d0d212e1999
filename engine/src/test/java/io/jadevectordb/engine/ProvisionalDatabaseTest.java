package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.crash.FaultyFileIO;
import io.jadevectordb.engine.crash.PowerLossImages;
import io.jadevectordb.engine.crash.RecordingFileIO;
import io.jadevectordb.engine.io.FileIO;

/**
 * A database created for the record that first goes to it ({@link VectorStore#createDatabase(String,
 * int, Mutation)}, the Kafka sink's way) has its dimension fixed only by records that are applied
 * and committed: it is provisional (its metadata under a name no reader takes for a database) until the
 * first commit of one of its shards promotes it, before that shard's checkpoint is written.
 */
class ProvisionalDatabaseTest {

    private static final SourcePartition P0 = new SourcePartition("vectors", 0);
    private static final SourcePartition P1 = new SourcePartition("vectors", 1);
    private static final SourcePartition P2 = new SourcePartition("vectors", 2);
    private static final int IMAGES = 12;
    private static final Mutation X = Mutation.store("x", new float[] {1, 2, 3}, 0);
    private static final Mutation Y = Mutation.store("y", new float[] {1, 2, 3, 4, 5}, 0);

    @TempDir
    Path dir;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO);

    @Test
    void aPowerLossBeforeTheFirstCommitFixesNoDimensionAndAfterItLeavesExactlyTheCommit() throws Exception {
        Path base = Files.createDirectories(dir.resolve("base"));
        RecordingFileIO io = RecordingFileIO.under(base);
        int beforeCommit;
        int afterCommit;
        try (VectorStore store = VectorStore.open(base.resolve("store"), options.withFileIO(io))) {
            store.createDatabase("a", 3, X);
            store.apply("a", P0, List.of(X));
            beforeCommit = io.recording().mark();
            store.commit(P0, 0);
            afterCommit = io.recording().mark();
        }

        for (int i = 0; i < IMAGES; i++) {
            Path image = dir.resolve("before-" + i);
            materialise(io, beforeCommit, i, image);
            try (VectorStore store = VectorStore.open(image.resolve("store"), options)) {
                assertThat(store.databaseNames()).as("image %d before the first commit", i).isEmpty();
                assertThat(StoreReader.open(image.resolve("store")).databaseNames()).as("image %d, a reader", i).isEmpty();
                assertThat(store.checkpoint(P0)).as("image %d: no committed state of the source", i).isEmpty();
                // Replay after an offset reset or a topic rebuild may start with another dimension.
                store.createDatabase("a", 5, Y);
                store.apply("a", P0, List.of(Y));
                store.commit(P0, 0);
            }
            try (VectorStore store = VectorStore.open(image.resolve("store"), options)) {
                Database a = store.database("a").orElseThrow();
                assertThat(a.dimension()).as("image %d, created again", i).isEqualTo(5);
                assertThat(a.get("x")).as("image %d: the record never committed", i).isEmpty();
                assertThat(a.get("y")).as("image %d", i).isPresent();
            }
        }
        for (int i = 0; i < IMAGES; i++) {
            Path image = dir.resolve("after-" + i);
            materialise(io, afterCommit, i, image);
            try (VectorStore store = VectorStore.open(image.resolve("store"), options)) {
                assertThat(store.databaseNames()).as("image %d after the first commit", i).containsExactly("a");
                Database a = store.database("a").orElseThrow();
                assertThat(a.dimension()).as("image %d", i).isEqualTo(3);
                assertThat(a.get("x")).as("image %d", i).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2, 3));
                assertThat(store.checkpoint(P0)).as("image %d", i).isEqualTo(OptionalLong.of(0));
                assertThatThrownBy(() -> store.createDatabase("a", 5, Y)).as("image %d", i)
                        .isInstanceOf(InvalidMutationException.class).hasMessageContaining("dimension 3");
            }
        }
    }

    /** Image 0: the least a power loss leaves (forced state only); the others: random mixtures of later writes. */
    private static void materialise(RecordingFileIO io, int point, int image, Path target) throws IOException {
        PowerLossImages images = new PowerLossImages(io.recording());
        if (image == 0) {
            images.materialiseForcedOnly(point, target);
        } else {
            images.materialise(point, new Random(image), target);
        }
    }

    @Test
    void aDatabaseAbandonedBeforeItsFirstCommitIsCreatedAgainWithAnotherDimension() throws Exception {
        Path root = dir.resolve("store");
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("a", 3, X);
            store.apply("a", P0, List.of(X));
        } // closed without a commit: what was applied is discarded, replay restores it

        try (VectorStore store = VectorStore.open(root, options)) {
            assertThat(store.databaseNames()).isEmpty();
            assertThat(StoreReader.open(root).databaseNames()).isEmpty();
            assertThat(store.checkpoint(P0)).isEmpty();
            store.createDatabase("a", 5, Y);
            store.apply("a", P0, List.of(Y));
            store.commit(P0, 0);
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            Database a = store.database("a").orElseThrow();
            assertThat(a.dimension()).isEqualTo(5);
            assertThat(a.sources()).containsExactly(P0);
            assertThat(a.get("x")).isEmpty();
            assertThat(a.get("y")).isPresent();
        }
        try (var files = Files.list(root.resolve("a"))) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no provisional metadata left")
                    .noneMatch(name -> name.endsWith(Database.PROVISIONAL_SUFFIX));
        }
    }

    @Test
    void ofTwoWritersCreatingOneDatabaseWithDifferentDimensionsTheSecondToCommitFailsAndLeavesNothing() throws Exception {
        Path root = dir.resolve("store");
        try (VectorStore first = VectorStore.open(root, options); VectorStore second = VectorStore.open(root, options)) {
            first.createDatabase("a", 3, X);
            second.createDatabase("a", 5, Y);
            first.apply("a", P0, List.of(X));
            second.apply("a", P1, List.of(Y));
            second.apply("a", P2, List.of(Mutation.store("z", new float[] {5, 4, 3, 2, 1}, 0)));

            first.commit(P0, 0);

            assertThatThrownBy(() -> second.commit(P1, 0)).isInstanceOf(ShardFailedException.class)
                    .hasMessageContaining("database 'a' was committed first by another writer with dimension 3")
                    .hasMessageContaining("vectors-1.jvdb");
            // What the loser's replay meets: the winner's dimension, so its records are refused as a wrong dimension.
            assertThat(second.database("a").orElseThrow().dimension()).isEqualTo(3);
            assertThatThrownBy(() -> second.createDatabase("a", 5, Y)).isInstanceOf(InvalidMutationException.class)
                    .hasMessageContaining("dimension 3");
            // The loser's other shard of the database, open with the lost dimension, takes nothing more...
            assertThatThrownBy(() -> second.apply("a", P2, List.of(Mutation.store("w", new float[] {1, 2, 3}, 1))))
                    .isInstanceOf(ShardFailedException.class).hasMessageContaining("a/vectors-2.jvdb")
                    .hasMessageContaining("opened for dimension 5");
            // ...and its commit fails too, deleting what it never committed.
            assertThatThrownBy(() -> second.commit(P2, 1)).isInstanceOf(ShardFailedException.class)
                    .hasMessageContaining("vectors-2.jvdb");
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            Database a = store.database("a").orElseThrow();
            assertThat(a.dimension()).isEqualTo(3);
            assertThat(a.sources()).as("the loser's shard, never committed, is gone").containsExactly(P0);
            assertThat(store.checkpoint(P1)).as("nothing pins the loser's resume point").isEmpty();
            assertThat(a.get("x")).isPresent();
            assertThat(StoreReader.open(root).get("a", "x")).isPresent();
        }
    }

    @Test
    void aFailedLinkAtThePromotionFailsTheCommitAndLeavesTheDatabaseProvisionalUntilTheNextCommit() throws Exception {
        long beforeCommit;
        FaultyFileIO counting = new FaultyFileIO(FileIO.SYSTEM, -1, FaultyFileIO.Fault.IO_ERROR, false);
        try (VectorStore store = VectorStore.open(dir.resolve("count"), options.withFileIO(counting))) {
            store.createDatabase("a", 3, X);
            store.apply("a", P0, List.of(X));
            beforeCommit = counting.operations();
        }
        boolean linkFailed = false;
        for (long failAt = beforeCommit; failAt < beforeCommit + 40 && !linkFailed; failAt++) {
            Path root = dir.resolve("fault-" + failAt);
            FaultyFileIO io = new FaultyFileIO(FileIO.SYSTEM, failAt, FaultyFileIO.Fault.IO_ERROR, false);
            VectorStore store = VectorStore.open(root, options.withFileIO(io));
            try {
                store.createDatabase("a", 3, X);
                store.apply("a", P0, List.of(X));
                IOException failure = null;
                try {
                    store.commit(P0, 0);
                } catch (IOException e) {
                    failure = e;
                }
                if (io.fired() == null || !io.fired().contains("link " + Database.META_FILE)) {
                    continue; // another operation of the commit failed (a force: the shard failed), or none did
                }
                linkFailed = true;
                assertThat(failure).as("the commit whose promotion failed (%s)", io.fired()).isNotNull()
                        .isNotInstanceOf(ShardFailedException.class);
                assertThat(StoreReader.open(root).databaseNames()).as("not promoted").isEmpty();
                assertThat(store.checkpoint(P0)).as("no checkpoint written").isEmpty();

                store.commit(P0, 0); // the link is tried again; the records were forced and are still there

                assertThat(StoreReader.open(root).dimension("a")).isEqualTo(3);
                assertThat(StoreReader.open(root).get("a", "x")).isPresent();
                assertThat(store.checkpoint(P0)).isEqualTo(OptionalLong.of(0));
                store.close();
            } finally {
                if (!linkFailed) {
                    closeQuietly(store); // a store whose shard failed reports it again at close
                }
            }
        }
        assertThat(linkFailed).as("a fault point in the commit hit the promotion's link").isTrue();
    }

    @Test
    void aFailedDirectoryForceAfterThePromotionsLinkFailsTheShard() throws Exception {
        // A second force could report success for an entry the kernel dropped: no retry.
        long beforeCommit;
        FaultyFileIO counting = new FaultyFileIO(FileIO.SYSTEM, -1, FaultyFileIO.Fault.IO_ERROR, false);
        try (VectorStore store = VectorStore.open(dir.resolve("count"), options.withFileIO(counting))) {
            store.createDatabase("a", 3, X);
            store.apply("a", P0, List.of(X));
            beforeCommit = counting.operations();
        }
        boolean forceFailed = false;
        for (long failAt = beforeCommit; failAt < beforeCommit + 40 && !forceFailed; failAt++) {
            FaultyFileIO io = new FaultyFileIO(FileIO.SYSTEM, failAt, FaultyFileIO.Fault.IO_ERROR, false);
            VectorStore store = VectorStore.open(dir.resolve("fault-" + failAt), options.withFileIO(io));
            try {
                store.createDatabase("a", 3, X);
                store.apply("a", P0, List.of(X));
                IOException failure = null;
                try {
                    store.commit(P0, 0);
                } catch (IOException e) {
                    failure = e;
                }
                if (io.fired() == null || !io.fired().contains("force of directory a")) {
                    continue;
                }
                forceFailed = true;
                assertThat(failure).as("the commit whose promotion's force failed (%s)", io.fired())
                        .isInstanceOf(ShardFailedException.class).hasMessageContaining("force of");
                assertThatThrownBy(() -> store.commit(P0, 0)).as("the shard stays failed")
                        .isInstanceOf(ShardFailedException.class);
            } finally {
                closeQuietly(store);
            }
        }
        assertThat(forceFailed).as("a fault point in the commit hit the directory force after the link").isTrue();
    }

    private static void closeQuietly(VectorStore store) {
        try {
            store.close();
        } catch (IOException expected) {
            // the failure the commit reported already
        }
    }
}
