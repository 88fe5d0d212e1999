package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.crash.FailingForceFileIO;
import io.jadevectordb.engine.crash.ForwardingFileChannel;
import io.jadevectordb.engine.crash.ForwardingFileIO;
import io.jadevectordb.engine.crash.PowerLossImages;
import io.jadevectordb.engine.crash.RecordingFileIO;
import io.jadevectordb.engine.index.IndexSnapshot;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.shard.Shard;

class VectorStoreTest {

    @TempDir
    Path root;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO);

    @Test
    void opensShardsLazilyOnFirstUse() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("a", 4);
            assertThat(store.openShardCount()).isZero();
            store.apply("a", new SourcePartition("t", 0), List.of(Mutation.store("x", Vectors.of(4, 1), 0)));
            assertThat(store.openShardCount()).isEqualTo(1);
            assertThat(root.resolve("a/t-0.jvdb")).exists();
        }
    }

    @Test
    void evictsTheLeastRecentlyUsedCommittedShardBeyondTheLimit() throws Exception {
        SourcePartition source = new SourcePartition("t", 0);
        try (VectorStore store = VectorStore.open(root, options.withMaxOpenShards(3))) {
            for (int d = 0; d < 10; d++) {
                store.createDatabase("db" + d, 4);
                store.apply("db" + d, source, List.of(Mutation.store("x" + d, Vectors.of(4, d), d)));
                store.commit(source, d);
                assertThat(store.openShardCount()).isLessThanOrEqualTo(3);
            }
            // Evicted shards were closed cleanly at their last commit (the source's commits while they were open):
            // their files say so and hold the data.
            ShardStats evicted = Shard.statsOf("db0/t-0.jvdb", root.resolve("db0/t-0.jvdb"));
            assertThat(evicted.clean()).isTrue();
            assertThat(evicted.liveCount()).isEqualTo(1);
            assertThat(evicted.checkpointOffset()).isEqualTo(2);
            for (int d = 0; d < 10; d++) {
                float[] expected = Vectors.of(4, d);
                assertThat(store.database("db" + d).orElseThrow().get("x" + d))
                        .hasValueSatisfying(v -> assertThat(v).containsExactly(expected));
            }
        }
    }

    @Test
    void checkpointIsTheLowestAmongTheSourcesShardsAndEmptyWithoutAny() throws Exception {
        SourcePartition source = new SourcePartition("vectors", 3);
        try (VectorStore store = VectorStore.open(root, options)) {
            assertThat(store.checkpoint(source)).isEqualTo(OptionalLong.empty());
            store.createDatabase("a", 2);
            store.createDatabase("b", 2);
            store.apply("a", source, List.of(Mutation.store("1", new float[] {1, 2}, 5)));
            store.commit(source, 5);
            store.release(source);
            store.apply("b", source, List.of(Mutation.store("2", new float[] {3, 4}, 9)));
            store.commit(source, 9);
            assertThat(store.checkpoint(source)).isEqualTo(OptionalLong.of(5));
            assertThat(store.checkpoint(new SourcePartition("vectors", 4))).isEqualTo(OptionalLong.empty());
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            assertThat(store.checkpoint(source)).isEqualTo(OptionalLong.of(5));
        }
    }

    @Test
    void createDatabaseIsIdempotentForTheSameDimensionAndRefusesAnother() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("a", 8);
            assertThat(store.createDatabase("a", 8).dimension()).isEqualTo(8);
            assertThatThrownBy(() -> store.createDatabase("a", 9)).isInstanceOf(InvalidMutationException.class)
                    .hasMessageContaining("dimension 8").hasMessageContaining("9");
            assertThatThrownBy(() -> store.createDatabase("b", 0)).isInstanceOf(InvalidMutationException.class)
                    .hasMessageContaining("1..65536");
            assertThatThrownBy(() -> store.createDatabase("b", 65537)).isInstanceOf(InvalidMutationException.class);
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            assertThat(store.databaseNames()).containsExactly("a");
            assertThat(store.database("a").orElseThrow().dimension()).isEqualTo(8);
        }
    }

    @Test
    void hostileDatabaseNamesAreRefusedAndNothingIsCreatedOutsideTheRoot() throws Exception {
        try (VectorStore store = VectorStore.open(root.resolve("data"), options)) {
            for (String name : new String[] {"..", ".", "../escape", "a/b", "a\\b", "nul\0x", "tab\tname", "", ".hidden",
                    "CON", "lpt1.txt", "aux", "Com9.vectors.db", "nUl.", "x".repeat(129)}) {
                assertThatThrownBy(() -> store.createDatabase(name, 4)).as(name)
                        .isInstanceOf(InvalidMutationException.class)
                        .satisfies(e -> assertThat(((InvalidMutationException) e).field()).isEqualTo("database"));
            }
        }
        try (var files = Files.list(root)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("data");
        }
        try (VectorStore store = VectorStore.open(root.resolve("data"), options)) {
            // Only the whole base name is reserved: these are ordinary names.
            for (String name : new String[] {"console", "com10", "lpt", "co", "nul_x", "a.con", "auxiliary.db"}) {
                store.createDatabase(name, 4);
            }
            assertThat(store.databaseNames()).contains("console", "com10", "lpt", "co", "nul_x", "a.con", "auxiliary.db");
        }
    }

    @Test
    void rejectsWrongDimensionNonFiniteAndBadIdsNamingTheField() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.createDatabase("a", 3);
            assertThatThrownBy(() -> db.store("x", new float[] {1, 2})).isInstanceOf(InvalidMutationException.class)
                    .hasMessageContaining("dimension 3").hasMessageContaining("2 components");
            assertThatThrownBy(() -> db.store("x", new float[] {1, Float.NaN, 2})).isInstanceOf(InvalidMutationException.class)
                    .hasMessageContaining("vector[1]").hasMessageContaining("NaN");
            assertThatThrownBy(() -> db.store("x", new float[] {1, Float.POSITIVE_INFINITY, 2}))
                    .hasMessageContaining("Infinity");
            assertThatThrownBy(() -> db.store("", new float[] {1, 2, 3})).isInstanceOf(InvalidMutationException.class)
                    .hasMessageContaining("non-empty id");
            assertThatThrownBy(() -> db.store("é".repeat(65), new float[] {1, 2, 3})).isInstanceOf(InvalidMutationException.class)
                    .hasMessageContaining("130 UTF-8 bytes").hasMessageContaining("at most 128");
            assertThat(db.stats().liveCount()).isZero();
        }
        try (VectorStore store = VectorStore.open(root.resolve("nan"), options.withAllowNonFinite(true))) {
            Database db = store.createDatabase("a", 2);
            db.store("x", new float[] {Float.NaN, Float.NEGATIVE_INFINITY});
            assertThat(db.get("x")).hasValueSatisfying(v -> assertThat(Float.isNaN(v[0])).isTrue());
        }
    }

    @Test
    void deleteDatabaseRemovesItsDirectoryAndRefusesWhileAnotherWriterHoldsAShard() throws Exception {
        SourcePartition source = new SourcePartition("t", 1);
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.createDatabase("gone", 2);
            db.store("x", new float[] {1, 2});
            store.apply("gone", source, List.of(Mutation.store("y", new float[] {3, 4}, 0)));
            try (VectorStore other = VectorStore.open(root, options)) {
                other.apply("gone", new SourcePartition("t", 2), List.of(Mutation.store("z", new float[] {5, 6}, 0)));
                assertThatThrownBy(() -> store.deleteDatabase("gone")).isInstanceOf(ShardLockedException.class)
                        .hasMessageContaining("t-2.jvdb");
            }
            assertThat(store.deleteDatabase("gone")).isTrue();
            assertThat(root.resolve("gone")).doesNotExist();
            assertThat(store.database("gone")).isEmpty();
            assertThat(store.deleteDatabase("gone")).isFalse();
        }
    }

    @Test
    void backgroundFlusherForcesDirtyPagesWithoutWritingACheckpoint() throws Exception {
        SourcePartition source = new SourcePartition("t", 0);
        try (VectorStore store = VectorStore.open(root, options.withFlushInterval(Duration.ofMillis(20)))) {
            store.createDatabase("a", 4);
            store.apply("a", source, List.of(Mutation.store("x", Vectors.of(4, 1), 0)));
            OpenShards.Handle handle = store.acquire(store.database("a").orElseThrow(), source);
            try {
                long generation = handle.shard.checkpoint().generation();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (handle.shard.file().isDirty() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(handle.shard.file().isDirty()).as("dirty pages forced by the flusher").isFalse();
                assertThat(handle.shard.checkpoint().generation()).isEqualTo(generation);
            } finally {
                store.unpin(handle);
            }
        }
    }

    @Test
    void aSourceWhoseShardInOneDatabaseIsGoneIsReplayedFromTheStart() throws Exception {
        SourcePartition source = new SourcePartition("vectors", 0);
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("a", 2);
            store.createDatabase("b", 2);
            store.apply("a", source, List.of(Mutation.store("1", new float[] {1, 2}, 0)));
            store.apply("b", source, List.of(Mutation.store("2", new float[] {3, 4}, 1)));
            store.commit(source, 1);
        }
        // An operator moves one database's shard aside to rebuild it.
        Files.move(root.resolve("a/vectors-0.jvdb"), root.resolve("vectors-0.jvdb.aside"));
        try (VectorStore store = VectorStore.open(root, options)) {
            assertThat(store.checkpoint(source)).isEqualTo(OptionalLong.of(-1));
            assertThat(store.checkpoint(new SourcePartition("vectors", 1))).isEqualTo(OptionalLong.empty());
        }
    }

    /**
     * Database metadata and source marks go through the file seam like the shards, so the least
     * a power loss after a commit leaves (the forced-only image) holds the whole database: its
     * dimension, the committed vector, and the mark that makes a lost shard replay from the start.
     */
    @Test
    void theForcedOnlyImageAfterACommitHoldsTheDatabaseItsMetadataAndItsSourceMark() throws Exception {
        SourcePartition source = new SourcePartition("vectors", 0);
        Path live = Files.createDirectories(root.resolve("live"));
        RecordingFileIO io = RecordingFileIO.under(live);
        try (VectorStore store = VectorStore.open(live, options.withFileIO(io))) {
            store.createDatabase("a", 2);
            store.apply("a", source, List.of(Mutation.store("1", new float[] {1, 2}, 0)));
            store.commit(source, 0);
        }
        Path image = root.resolve("image");
        new PowerLossImages(io.recording()).materialiseForcedOnly(io.recording().mark(), image);

        try (VectorStore store = VectorStore.open(image, options)) {
            Database db = store.database("a").orElseThrow(() -> new AssertionError("database a missing from the image"));
            assertThat(db.dimension()).isEqualTo(2);
            assertThat(db.get("1")).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2));
            assertThat(store.checkpoint(source)).isEqualTo(OptionalLong.of(0));
        }
        Files.delete(image.resolve("a/vectors-0.jvdb"));
        try (VectorStore store = VectorStore.open(image, options)) {
            assertThat(store.checkpoint(source)).as("the source mark survived: a lost shard is replayed from the start")
                    .isEqualTo(OptionalLong.of(-1));
        }
    }

    @Test
    void readsGoThroughAVerifiedSnapshotWhileAnotherWriterHoldsTheShard() throws Exception {
        SourcePartition source = new SourcePartition("t", 0);
        try (VectorStore writer = VectorStore.open(root, options)) {
            writer.createDatabase("a", 3);
            writer.apply("a", source, List.of(Mutation.store("x", new float[] {1, 2, 3}, 0)));
            writer.commit(source, 0);
            try (VectorStore reader = VectorStore.open(root, options)) {
                Database db = reader.database("a").orElseThrow();
                assertThat(db.get("x")).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2, 3));
                Map<String, float[]> all = new HashMap<>();
                db.scan(all::put);
                assertThat(all).containsOnlyKeys("x");
                assertThat(db.stats().liveCount()).isEqualTo(1);
                assertThat(reader.openShardCount()).isZero();
            }
        }
    }

    @Test
    void readsSeeAShardThisStoreJustCreatedAtOnceAndOneAnotherWriterCreatedSoonAfter() throws Exception {
        try (VectorStore writer = VectorStore.open(root, options); VectorStore reader = VectorStore.open(root, options)) {
            Database mine = writer.createDatabase("a", 2);
            writer.apply("a", new SourcePartition("t", 0), List.of(Mutation.store("x", new float[] {1, 2}, 0)));
            writer.commit(new SourcePartition("t", 0), 0);
            Database theirs = reader.database("a").orElseThrow();
            assertThat(theirs.get("x")).isPresent();
            assertThat(mine.get("y")).isEmpty();
            // A new shard (partition 1) in the store that reads: visible at once, though the list was just read.
            writer.apply("a", new SourcePartition("t", 1), List.of(Mutation.store("y", new float[] {3, 4}, 0)));
            assertThat(mine.get("y")).hasValueSatisfying(v -> assertThat(v).containsExactly(3, 4));
            writer.commit(new SourcePartition("t", 1), 0);
            // In another store (another process, as far as the files tell) it shows once the cached list is rechecked.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (theirs.get("y").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(theirs.get("y")).hasValueSatisfying(v -> assertThat(v).containsExactly(3, 4));
        }
    }

    @Test
    void twoWritersCreatingTheSameDatabaseAtOnceAgreeOnOneDimension() throws Exception {
        for (int round = 0; round < 20; round++) {
            String name = "race" + round;
            try (VectorStore first = VectorStore.open(root, options); VectorStore second = VectorStore.open(root, options)) {
                CompletableFuture<Object> a = CompletableFuture.supplyAsync(() -> create(first, name, 8));
                CompletableFuture<Object> b = CompletableFuture.supplyAsync(() -> create(second, name, 16));
                Object ra = a.get();
                Object rb = b.get();
                int onDisk;
                try (VectorStore third = VectorStore.open(root, options)) {
                    onDisk = third.database(name).orElseThrow().dimension();
                }
                // Exactly one dimension won; the loser was told so, naming the winner's dimension.
                Object loser = onDisk == 8 ? rb : ra;
                Object winner = onDisk == 8 ? ra : rb;
                assertThat(winner).isInstanceOf(Database.class);
                assertThat(loser).isInstanceOf(InvalidMutationException.class);
                assertThat(((Exception) loser).getMessage()).contains("dimension " + onDisk);
            }
        }
    }

    private static Object create(VectorStore store, String name, int dimension) {
        try {
            return store.createDatabase(name, dimension);
        } catch (InvalidMutationException e) {
            return e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Issue 15, finding 9: a shard with records applied after its last commit is not evicted
     * (the limit waits for its source to commit), and a close leaves it at its last commit, so
     * that replaying the source gives every mutation after it the outcome of the first run.
     */
    @Test
    void closeAndEvictionKeepExactlyTheLastCommitSoReplayGivesEveryMutationItsFirstOutcome() throws Exception {
        SourcePartition p = new SourcePartition("vectors", 0);
        List<Mutation> uncommitted = List.of(Mutation.update("k", new float[] {2, 2}, 96),
                Mutation.store("k97", new float[] {3, 3}, 97), Mutation.delete("k", 98), Mutation.store("k", new float[] {4, 4}, 99),
                Mutation.store("k100", new float[] {5, 5}, 100));
        List<Mutation.Outcome> first;
        try (VectorStore store = VectorStore.open(root, options.withMaxOpenShards(1))) {
            store.createDatabase("a", 2);
            store.createDatabase("other", 2);
            store.apply("a", p, List.of(Mutation.store("k", new float[] {1, 1}, 90)));
            store.commit(p, 95);
            first = store.apply("a", p, uncommitted);
            // Another source's shard goes beyond the limit: a's has uncommitted records, so it stays open.
            store.apply("other", new SourcePartition("else", 0), List.of(Mutation.store("z", new float[] {1, 1}, 0)));
            assertThat(store.openShardCount()).as("the shard with uncommitted records is not evicted").isEqualTo(2);
            store.commit(new SourcePartition("else", 0), 0);
            assertThat(Shard.readCheckpoint("a", root.resolve("a/vectors-0.jvdb")).sourceOffset()).isEqualTo(95);
        }
        assertThat(first).containsExactly(Mutation.Outcome.APPLIED, Mutation.Outcome.APPLIED, Mutation.Outcome.APPLIED,
                Mutation.Outcome.APPLIED, Mutation.Outcome.APPLIED);
        try (VectorStore store = VectorStore.open(root, options)) {
            assertThat(store.checkpoint(p)).isEqualTo(OptionalLong.of(95));
            Database a = store.database("a").orElseThrow();
            assertThat(a.get("k")).as("the last commit's vector").hasValueSatisfying(v -> assertThat(v).containsExactly(1, 1));
            assertThat(a.get("k100")).as("applied after the last commit: replay restores it").isEmpty();
            assertThat(store.apply("a", p, uncommitted)).as("replay outcomes").isEqualTo(first);
            assertThat(a.get("k")).hasValueSatisfying(v -> assertThat(v).containsExactly(4, 4));
        }
    }

    @Test
    void aShardWithUncommittedRecordsIsEvictedOnceItsSourceCommits() throws Exception {
        SourcePartition p = new SourcePartition("vectors", 0);
        SourcePartition q = new SourcePartition("vectors", 1);
        try (VectorStore store = VectorStore.open(root, options.withMaxOpenShards(1))) {
            store.createDatabase("a", 2);
            store.apply("a", p, List.of(Mutation.store("x", new float[] {1, 2}, 0)));
            store.apply("a", q, List.of(Mutation.store("y", new float[] {3, 4}, 0)));
            assertThat(store.openShardCount()).isEqualTo(2);
            store.commit(p, 0);
            assertThat(store.openShardCount()).as("p's shard, committed and idle, is closed").isEqualTo(1);
            assertThat(Shard.statsOf("a/vectors-0.jvdb", root.resolve("a/vectors-0.jvdb")).clean()).isTrue();
            assertThat(store.database("a").orElseThrow().get("x")).isPresent();
        }
    }

    @Test
    void releasingASourceMovesItsEvictedShardsUpToItsLastCommit() throws Exception {
        SourcePartition p = new SourcePartition("vectors", 0);
        try (VectorStore store = VectorStore.open(root, options.withMaxOpenShards(1))) {
            store.createDatabase("a", 2);
            store.createDatabase("b", 2);
            store.apply("a", p, List.of(Mutation.store("x", new float[] {1, 2}, 0)));
            store.commit(p, 0);
            for (long o = 1; o <= 5; o++) { // b's shard evicts a's
                store.apply("b", p, List.of(Mutation.store("y" + o, new float[] {3, 4}, o)));
            }
            store.commit(p, 5);
            assertThat(Shard.readCheckpoint("a", root.resolve("a/vectors-0.jvdb")).sourceOffset()).isZero();
            store.release(p);
            assertThat(Shard.readCheckpoint("a", root.resolve("a/vectors-0.jvdb")).sourceOffset()).isEqualTo(5);
            assertThat(store.checkpoint(p)).isEqualTo(OptionalLong.of(5));
        }
    }

    @Test
    void aDatabaseThePartitionNoLongerFeedsDoesNotPinItsResumePoint() throws Exception {
        // Issue 10, item 4: a partition fed "c" up to offset 10, then only "d".
        SourcePartition p = new SourcePartition("vectors", 0);
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("c", 2);
            store.createDatabase("d", 2);
            for (long o = 0; o <= 10; o++) {
                store.apply("c", p, List.of(Mutation.store("x" + o, new float[] {1, 2}, o)));
            }
            store.commit(p, 10);
        }
        for (int restart = 0; restart < 2; restart++) {
            try (VectorStore store = VectorStore.open(root, options)) {
                long resume = store.resume(p).orElseThrow() + 1;
                for (long o = resume; o < resume + 10; o++) {
                    store.apply("d", p, List.of(Mutation.store("y" + o, new float[] {3, 4}, o)));
                }
                store.commit(p, resume + 9);
                store.release(p);
                assertThat(store.checkpoint(p)).as("restart %d", restart).isEqualTo(OptionalLong.of(resume + 9));
            }
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            assertThat(store.checkpoint(p)).isEqualTo(OptionalLong.of(30));
            assertThat(store.database("c").orElseThrow().stats().liveCount()).isEqualTo(11);
        }
    }

    @Test
    void aStoreThatDidNotResumeTheSourceLeavesItsIdleShardsAlone() throws Exception {
        // Without resume(source) first, the store cannot know that it saw every mutation since an idle shard's checkpoint.
        SourcePartition p = new SourcePartition("vectors", 0);
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("c", 2);
            store.createDatabase("d", 2);
            store.apply("c", p, List.of(Mutation.store("x", new float[] {1, 2}, 0)));
            store.commit(p, 0);
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            store.apply("d", p, List.of(Mutation.store("y", new float[] {3, 4}, 7)));
            store.commit(p, 7);
            store.release(p);
            assertThat(Shard.readCheckpoint("c", root.resolve("c/vectors-0.jvdb")).sourceOffset()).isZero();
        }
    }

    @Test
    void releaseClosesEveryShardOfTheSourceWhenClosingOneFailsAndReportsEachFailure() throws Exception {
        SourcePartition source = new SourcePartition("vectors", 0);
        AtomicBoolean diskGone = new AtomicBoolean();
        FileIO io = new FailingForceFileIO(path -> diskGone.get() && path.getFileName().toString().startsWith("vectors-0.jvdb"));
        try (VectorStore store = VectorStore.open(root, options.withFileIO(io))) {
            store.createDatabase("a", 2);
            store.createDatabase("b", 2);
            store.apply("a", source, List.of(Mutation.store("x", new float[] {1, 2}, 0)));
            store.apply("b", source, List.of(Mutation.store("y", new float[] {3, 4}, 1)));
            diskGone.set(true);

            Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> store.release(source));

            assertThat(failure).isInstanceOf(ShardFailedException.class);
            assertThat(failure.getSuppressed()).as("the second shard's failure, kept with the first").hasSize(1);
            assertThat(Stream.concat(Stream.of(failure), Stream.of(failure.getSuppressed())).map(Throwable::getMessage))
                    .anySatisfy(m -> assertThat(m).contains("a/vectors-0.jvdb"))
                    .anySatisfy(m -> assertThat(m).contains("b/vectors-0.jvdb"));
            assertThat(store.openShardCount()).isZero();
            diskGone.set(false);
        }
        // Both shards were closed, locks and all: another store can take them over.
        try (VectorStore next = VectorStore.open(root, options)) {
            next.apply("a", source, List.of(Mutation.store("x", new float[] {1, 2}, 0)));
            next.apply("b", source, List.of(Mutation.store("y", new float[] {3, 4}, 1)));
            assertThat(next.openShardCount()).isEqualTo(2);
        }
    }

    @Test
    void releaseThatCannotMarkAnIdleShardMarksTheOthersAndThrowsNamingIt() throws Exception {
        // Issue 15, finding 15: an idle shard is marked released in its header; that write can fail too.
        SourcePartition source = new SourcePartition("vectors", 0);
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("busy", 2);
            store.createDatabase("idle", 2);
            store.apply("busy", source, List.of(Mutation.store("x", new float[] {1, 2}, 0)));
            store.apply("idle", source, List.of(Mutation.store("y", new float[] {3, 4}, 1)));
            store.commit(source, 1);
        }
        AtomicBoolean diskGone = new AtomicBoolean();
        FileIO io = new FailingForceFileIO(path -> diskGone.get() && path.startsWith(root.resolve("idle")));
        try (VectorStore store = VectorStore.open(root, options.withFileIO(io))) {
            store.resume(source);
            store.apply("busy", source, List.of(Mutation.store("x", new float[] {5, 6}, 2)));
            store.commit(source, 2);
            diskGone.set(true);

            assertThatThrownBy(() -> store.release(source)).isInstanceOf(IOException.class)
                    .hasMessageContaining("idle/vectors-0.jvdb").hasMessageContaining("cannot mark it released")
                    .hasMessageContaining("injected");
            assertThat(store.openShardCount()).isZero();
            assertThat(Shard.statsOf("busy/vectors-0.jvdb", root.resolve("busy/vectors-0.jvdb")).released()).isTrue();
        }
    }

    /**
     * Release waits for a shard in use to be let go; its user may need the store first (here to
     * create a database; a scan whose visitor writes is another), so the wait must not hold the
     * store: else both wait until release gives up after 30 s.
     */
    @Test
    void releaseWaitingForAShardInUseLetsItsUserReachTheStoreMeanwhile() throws Exception {
        SourcePartition source = new SourcePartition("vectors", 0);
        try (VectorStore store = VectorStore.open(root, options)) {
            Database a = store.createDatabase("a", 2);
            store.apply("a", source, List.of(Mutation.store("x", new float[] {1, 2}, 0)));
            OpenShards.Handle inUse = store.acquire(a, source);
            CompletableFuture<Void> release = new CompletableFuture<>();
            Thread releasing = new Thread(() -> {
                try {
                    store.release(source);
                    release.complete(null);
                } catch (Throwable e) {
                    release.completeExceptionally(e);
                }
            }, "releasing");
            releasing.start();
            while (releasing.getState() != Thread.State.TIMED_WAITING && !release.isDone()) {
                Thread.onSpinWait(); // until release waits for the pin
            }

            store.createDatabase("b", 2);
            store.unpin(inUse);

            release.get(); // throws if release gave up waiting
            assertThat(store.openShardCount()).isZero();
            assertThat(Shard.statsOf("a/vectors-0.jvdb", root.resolve("a/vectors-0.jvdb")).released()).isTrue();
        }
    }

    /**
     * Opening a shard (recovery may take a while) holds the store's lock; writes, reads and
     * commits of shards already open must go on meanwhile: they take the open-shard table's lock.
     */
    @Test
    void anOpenShardIsWrittenReadAndCommittedWhileAnotherShardIsBeingOpened() throws Exception {
        CountDownLatch opening = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean();
        AtomicBoolean gaveUp = new AtomicBoolean();
        FileIO io = new ForwardingFileIO() {
            @Override
            public FileChannel open(Path path, OpenOption... openOptions) throws IOException {
                if (path.getFileName().toString().startsWith("vectors-1.jvdb") && armed.compareAndSet(true, false)) {
                    opening.countDown();
                    try {
                        // Bounded, so that a store whose open blocks everything fails this test instead of hanging.
                        gaveUp.set(!proceed.await(30, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        throw new InterruptedIOException();
                    }
                }
                return super.open(path, openOptions);
            }
        };
        try (VectorStore store = VectorStore.open(root, options.withFileIO(io))) {
            Database db = store.createDatabase("a", 2);
            db.store("x", new float[] {1, 2});
            armed.set(true);
            CompletableFuture<List<Mutation.Outcome>> other = CompletableFuture
                    .supplyAsync(() -> {
                        try {
                            return store.apply("a", new SourcePartition("vectors", 1),
                                    List.of(Mutation.store("y", new float[] {3, 4}, 0)));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
            assertThat(opening.await(30, TimeUnit.SECONDS)).as("the other shard began to open").isTrue();

            db.store("x", new float[] {5, 6});
            db.commit();
            Optional<float[]> read = db.get("x");

            proceed.countDown();
            assertThat(gaveUp).as("the other shard was still opening when this one's work was done").isFalse();
            assertThat(read).hasValueSatisfying(v -> assertThat(v).containsExactly(5, 6));
            assertThat(other.get()).containsExactly(Mutation.Outcome.APPLIED);
            assertThat(store.openShardCount()).isEqualTo(2);
        }
    }

    /**
     * Issue 15, finding 8: closing an evicted shard (a checkpoint write and force, and at scale
     * an index snapshot) happens outside the open-shard table's lock: other shards are written,
     * read and committed meanwhile, and reopening the shard being closed waits for the close
     * (its file lock must go first) instead of failing as locked.
     */
    @Test
    void otherShardsAreUsedWhileAnEvictedShardClosesAndReopeningItWaitsForTheClose() throws Exception {
        CountDownLatch closing = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean();
        AtomicBoolean gaveUp = new AtomicBoolean();
        Path evictedFile = root.resolve("a").resolve("vectors-0.jvdb");
        FileIO io = new ForwardingFileIO() {
            @Override
            public FileChannel open(Path path, OpenOption... openOptions) throws IOException {
                FileChannel channel = super.open(path, openOptions);
                if (!path.equals(evictedFile)) {
                    return channel;
                }
                return new ForwardingFileChannel(channel) {
                    @Override
                    public void force(boolean metaData) throws IOException {
                        if (armed.compareAndSet(true, false)) {
                            closing.countDown();
                            try {
                                // Bounded, so that a store that blocks everything fails this test instead of hanging.
                                gaveUp.set(!proceed.await(30, TimeUnit.SECONDS));
                            } catch (InterruptedException e) {
                                throw new InterruptedIOException();
                            }
                        }
                        super.force(metaData);
                    }
                };
            }
        };
        SourcePartition p0 = new SourcePartition("vectors", 0);
        SourcePartition p1 = new SourcePartition("vectors", 1);
        SourcePartition p2 = new SourcePartition("vectors", 2);
        try (VectorStore store = VectorStore.open(root, options.withMaxOpenShards(2).withFileIO(io))) {
            store.createDatabase("a", 2);
            store.createDatabase("b", 2);
            store.createDatabase("c", 2);
            store.apply("a", p0, List.of(Mutation.store("x", new float[] {1, 2}, 0)));
            store.commit(p0, 0);
            store.apply("b", p1, List.of(Mutation.store("y", new float[] {3, 4}, 0)));
            store.commit(p1, 0);
            armed.set(true);
            CompletableFuture<List<Mutation.Outcome>> evicting = CompletableFuture.supplyAsync(() -> apply(store, "c", p2, 0));
            assertThat(closing.await(30, TimeUnit.SECONDS)).as("the evicted shard began to close").isTrue();

            store.apply("b", p1, List.of(Mutation.store("y2", new float[] {5, 6}, 1)));
            store.commit(p1, 1);
            Optional<float[]> read = store.database("b").orElseThrow().get("y2");
            CompletableFuture<List<Mutation.Outcome>> reopening = CompletableFuture.supplyAsync(() -> apply(store, "a", p0, 1));
            boolean closeStillBlocked = !gaveUp.get() && !evicting.isDone();

            proceed.countDown();
            assertThat(closeStillBlocked).as("the other shard's work was done while the evicted one was closing").isTrue();
            assertThat(read).hasValueSatisfying(v -> assertThat(v).containsExactly(5, 6));
            assertThat(evicting.get()).containsExactly(Mutation.Outcome.APPLIED);
            assertThat(reopening.get()).as("the reopen waited for the close").containsExactly(Mutation.Outcome.APPLIED);
            store.commit(p0, 1);
            assertThat(store.database("a").orElseThrow().getAll(List.of("x", "x1"))).containsOnlyKeys("x", "x1");
        }
    }

    private static List<Mutation.Outcome> apply(VectorStore store, String database, SourcePartition source, long offset) {
        try {
            return store.apply(database, source, List.of(Mutation.store("x" + (offset == 0 ? "" : offset),
                    new float[] {offset, 1}, offset)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Issue 15, finding 7: a scan visits the last commit of each shard without holding the
     * shard's lock, so a visitor may write to the store (here to the same database, through a
     * shard not open yet and through the scanned one, far enough to grow its index) while
     * another thread reads the checkpoints under the store's lock; the scan sees what was
     * committed when it began.
     */
    @Test
    void aScanWhoseVisitorWritesToTheSameDatabaseCompletesBesideACheckpointAndAClose() throws Exception {
        SourcePartition p0 = new SourcePartition("vectors", 0);
        SourcePartition p1 = new SourcePartition("vectors", 1);
        VectorStore store = VectorStore.open(root, options);
        Database db = store.createDatabase("a", 2);
        for (long o = 0; o < 50; o++) {
            store.apply("a", p0, List.of(Mutation.store("c" + o, new float[] {o, 0}, o)));
        }
        store.commit(p0, 49);
        store.apply("a", p0, List.of(Mutation.store("uncommitted", new float[] {9, 9}, 50)));
        CompletableFuture<OptionalLong> checkpoint = new CompletableFuture<>();
        Thread checkpointing = new Thread(() -> {
            try {
                checkpoint.complete(store.checkpoint(p0));
            } catch (Throwable e) {
                checkpoint.completeExceptionally(e);
            }
        }, "checkpointing");
        Map<String, float[]> seen = new HashMap<>();
        // A deadlock detector only: the scan and its writes take milliseconds.
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            db.scan((id, vector) -> {
                if (seen.isEmpty()) {
                    checkpointing.start();
                    while (!checkpoint.isDone() && checkpointing.getState() != Thread.State.WAITING) {
                        Thread.onSpinWait(); // until the checkpoint is read, or waits for a lock the scan holds
                    }
                    try {
                        store.apply("a", p1, List.of(Mutation.store("from-scan", new float[] {1, 1}, 0)));
                        for (long o = 51; o < 351; o++) {
                            store.apply("a", p0, List.of(Mutation.store("n" + o, new float[] {o, 1}, o)));
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                seen.put(id, vector);
            });
            assertThat(checkpoint.get()).isEqualTo(OptionalLong.of(49));
            store.close();
        });
        assertThat(seen).as("the scan visits the last commit as it was when the scan began").hasSize(50)
                .allSatisfy((id, v) -> assertThat(id).startsWith("c"));
    }

    @Test
    void droppingASourceDeletesItsShardsInEveryDatabaseAndLeavesOtherSourcesAlone() throws Exception {
        SourcePartition dropped = new SourcePartition("vectors", 1);
        SourcePartition kept = new SourcePartition("vectors", 10); // its file name starts like the dropped one's
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("a", 2);
            store.createDatabase("b", 2);
            store.apply("a", dropped, List.of(Mutation.store("x", new float[] {1, 2}, 4)));
            store.apply("b", dropped, List.of(Mutation.store("y", new float[] {3, 4}, 5)));
            store.apply("a", kept, List.of(Mutation.store("z", new float[] {5, 6}, 9)));
            store.commit(dropped, 5);
            store.commit(kept, 9);

            store.dropSource(dropped);

            assertThat(store.checkpoint(dropped)).isEqualTo(OptionalLong.empty());
            assertThat(store.database("a").orElseThrow().get("x")).isEmpty();
            assertThat(store.database("b").orElseThrow().get("y")).isEmpty();
            assertThat(store.database("a").orElseThrow().get("z")).isPresent();
            assertThat(store.checkpoint(kept)).isEqualTo(OptionalLong.of(9));
        }
        try (Stream<Path> left = Files.walk(root)) {
            assertThat(left.map(p -> root.relativize(p).toString()))
                    .as("no file of the dropped source is left but its lock file")
                    .filteredOn(name -> name.contains("vectors-1.") || name.endsWith("sources/vectors-1"))
                    .allMatch(name -> name.endsWith(".lock"));
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            assertThat(store.checkpoint(dropped)).as("after a restart too").isEqualTo(OptionalLong.empty());
            store.apply("a", dropped, List.of(Mutation.store("x2", new float[] {7, 8}, 0)));
            store.commit(dropped, 0);
            assertThat(store.checkpoint(dropped)).as("the source starts again from nothing").isEqualTo(OptionalLong.of(0));
        }
    }

    @Test
    void droppingASourceLeavesTheShardOfAStreamNamedAfterItsFile() throws Exception {
        SourcePartition dropped = new SourcePartition("vectors", 3);
        // Topic names may contain dots: this source's files all start with "vectors-3.jvdb".
        SourcePartition kept = new SourcePartition("vectors-3.jvdb", 0);
        Path keptShard = root.resolve("a").resolve(kept.shardFileName());
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("a", 2);
            store.apply("a", kept, List.of(Mutation.store("k", new float[] {5, 6}, 9)));
            store.commit(kept, 9);
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            store.apply("a", dropped, List.of(Mutation.store("x", new float[] {1, 2}, 4)));
            store.commit(dropped, 4);
            store.apply("a", kept, List.of(Mutation.store("k2", new float[] {7, 8}, 10)));
            store.commit(kept, 10);
            Path keptIndex = IndexSnapshot.fileOf(keptShard);
            assertThat(keptIndex).as("the kept shard's index snapshot, written by the clean close").exists();

            store.dropSource(dropped);

            assertThat(keptShard).exists();
            assertThat(keptIndex).exists();
            assertThat(ShardFiles.lockFile(keptShard)).as("the lock this store holds on the kept shard").exists();
            assertThat(store.checkpoint(dropped)).isEqualTo(OptionalLong.empty());
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            assertThat(store.checkpoint(kept)).isEqualTo(OptionalLong.of(10));
            assertThat(store.database("a").orElseThrow().get("k")).hasValueSatisfying(v -> assertThat(v).containsExactly(5, 6));
            assertThat(store.database("a").orElseThrow().get("k2")).hasValueSatisfying(v -> assertThat(v).containsExactly(7, 8));
            assertThat(store.database("a").orElseThrow().get("x")).isEmpty();
        }
    }

    @Test
    void droppingASourceIsRefusedWhileAnotherWriterHoldsItsShard() throws Exception {
        SourcePartition source = new SourcePartition("vectors", 0);
        try (VectorStore writer = VectorStore.open(root, options); VectorStore other = VectorStore.open(root, options)) {
            writer.createDatabase("a", 2);
            writer.apply("a", source, List.of(Mutation.store("x", new float[] {1, 2}, 0)));
            writer.commit(source, 0);
            assertThatThrownBy(() -> other.dropSource(source)).isInstanceOf(ShardLockedException.class)
                    .hasMessageContaining("vectors-0.jvdb");
            assertThat(writer.database("a").orElseThrow().get("x")).isPresent();
        }
    }
}
