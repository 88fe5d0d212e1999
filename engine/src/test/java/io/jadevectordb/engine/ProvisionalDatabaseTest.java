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
import io.jadevectordb.engine.shard.Shard;

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
                assertThat(store.checkpoint(P0).orElse(-1)).as("image %d: nothing committed, the source replays from its start", i)
                        .isEqualTo(-1L);
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
            assertThat(store.checkpoint(P0).orElse(-1)).as("nothing committed: the source replays from its start")
                    .isEqualTo(-1L);
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
        long beforeCommit = operationsBeforeTheFirstCommit();
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
                assertThat(store.checkpoint(P0).orElse(-1)).as("no checkpoint written: the source replays from its start")
                        .isEqualTo(-1L);

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
        long beforeCommit = operationsBeforeTheFirstCommit();
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

    /**
     * A commit of a source that fails in a provisional database's shard after another database's
     * shard of the source committed past the provisional one's records: the source resumes before
     * those records, which were never committed (found by the connector's fault layer: a restart
     * resumed after the committed shard's checkpoint and the provisional database lost them).
     */
    @Test
    void aSourceResumesBeforeItsRecordsInAProvisionalDatabaseThatAnotherDatabasesCommitPassed() throws Exception {
        // Both orders of use: the store commits a source's shards in an order of its own.
        assertThat(resumesBeforeTheProvisionalRecords(false) | resumesBeforeTheProvisionalRecords(true))
                .as("a fault point failed the commit in the provisional database after the other committed past its record")
                .isTrue();
    }

    /**
     * True when a fault point left database "a" committed past the record of database "b", never
     * promoted; {@code provisionalLast}: b's record is the last one applied.
     */
    private boolean resumesBeforeTheProvisionalRecords(boolean provisionalLast) throws Exception {
        String committed = "a";
        String provisional = "b";
        Mutation c0 = Mutation.store("c0", new float[] {1, 2, 3}, 0);
        Mutation p1 = Mutation.store("p1", new float[] {1, 2, 3, 4, 5}, provisionalLast ? 2 : 1);
        Mutation c2 = Mutation.store("c2", new float[] {4, 5, 6}, provisionalLast ? 1 : 2);
        long beforeCommit;
        FaultyFileIO counting = new FaultyFileIO(FileIO.SYSTEM, -1, FaultyFileIO.Fault.IO_ERROR, false);
        try (VectorStore store = VectorStore.open(dir.resolve("count-" + provisionalLast), options.withFileIO(counting))) {
            prepare(store, committed, provisional, c0, p1, c2);
            beforeCommit = counting.operations();
        }
        boolean found = false;
        for (long failAt = beforeCommit; failAt < beforeCommit + 60 && !found; failAt++) {
            Path root = dir.resolve("fault-" + provisionalLast + "-" + failAt);
            FaultyFileIO io = new FaultyFileIO(FileIO.SYSTEM, failAt, FaultyFileIO.Fault.IO_ERROR, false);
            VectorStore store = VectorStore.open(root, options.withFileIO(io));
            try {
                prepare(store, committed, provisional, c0, p1, c2);
                store.commit(P0, 2);
            } catch (IOException expected) {
                // the fault failed the commit somewhere; what it left is judged below
            } finally {
                closeQuietly(store);
            }
            Path shard = root.resolve(committed).resolve(P0.shardFileName());
            long checkpoint = Files.exists(shard) ? Shard.checkpointOffset(committed + "/" + P0.shardFileName(), shard) : -1;
            try (VectorStore reopened = VectorStore.open(root, options)) {
                if (io.fired() == null || checkpoint < 2 || reopened.databaseNames().contains(provisional)) {
                    continue; // not the case: no commit passed the provisional record, or the database was promoted
                }
                found = true;
                OptionalLong resume = reopened.checkpoint(P0);
                assertThat(resume).as("resume point of %s after %s", P0, io.fired()).isPresent();
                assertThat(resume.getAsLong()).as("resume point of %s after %s", P0, io.fired())
                        .isLessThan(p1.sourceOffset());
            }
        }
        return found;
    }

    private static void prepare(VectorStore store, String committed, String provisional, Mutation c0, Mutation p1,
                                Mutation c2) throws IOException {
        store.createDatabase(committed, 3);
        store.apply(committed, P0, List.of(c0));
        store.commit(P0, 0);
        store.createDatabase(provisional, 5, p1);
        if (p1.sourceOffset() < c2.sourceOffset()) {
            store.apply(provisional, P0, List.of(p1));
            store.apply(committed, P0, List.of(c2));
        } else {
            store.apply(committed, P0, List.of(c2));
            store.apply(provisional, P0, List.of(p1));
        }
    }

    /** How many I/O operations creating database "a" for {@code X} and applying it take: the commit's come after. */
    private long operationsBeforeTheFirstCommit() throws IOException {
        FaultyFileIO counting = new FaultyFileIO(FileIO.SYSTEM, -1, FaultyFileIO.Fault.IO_ERROR, false);
        try (VectorStore store = VectorStore.open(dir.resolve("count"), options.withFileIO(counting))) {
            store.createDatabase("a", 3, X);
            store.apply("a", P0, List.of(X));
            return counting.operations();
        }
    }

    private static void closeQuietly(VectorStore store) {
        try {
            store.close();
        } catch (IOException expected) {
            // the failure the commit reported already
        }
    }
}
