package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreReaderTest {

    @TempDir
    Path root;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO);
    private final SourcePartition p0 = new SourcePartition("vectors", 0);
    private final SourcePartition p1 = new SourcePartition("vectors", 1);

    /** articles (dim 3): a, b on partition 0, c on partition 1, b deleted; all committed. notes (dim 2): empty. */
    private void twoDatabases() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("articles", 3);
            store.createDatabase("notes", 2);
            store.apply("articles", p0, List.of(Mutation.store("a", new float[] {1, 2, 3}, 0),
                    Mutation.store("b", new float[] {4, 5, 6}, 1), Mutation.delete("b", 2)));
            store.apply("articles", p1, List.of(Mutation.store("c", new float[] {7, 8, 9}, 5)));
            store.commit(p0, 2);
            store.commit(p1, 5);
        }
    }

    private static List<Path> tree(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.sorted().toList();
        }
    }

    @Test
    void listsDatabasesShardsAndDurableFiguresFromTheHeaders() throws Exception {
        twoDatabases();
        StoreReader reader = StoreReader.open(root);
        assertThat(reader.databaseNames()).containsExactly("articles", "notes");
        assertThat(reader.dimension("articles")).isEqualTo(3);
        assertThat(reader.shardFiles("articles")).extracting(p -> p.getFileName().toString())
                .containsExactly("vectors-0.jvdb", "vectors-1.jvdb");
        DatabaseStats stats = reader.stats("articles");
        assertThat(stats.liveCount()).isEqualTo(2);
        assertThat(stats.deletedCount()).isEqualTo(1);
        assertThat(stats.shards()).extracting(ShardStats::name).containsExactly("articles/vectors-0.jvdb", "articles/vectors-1.jvdb");
        assertThat(stats.shards()).extracting(ShardStats::checkpointOffset).containsExactly(2L, 5L);
        assertThat(stats.shards()).allSatisfy(s -> assertThat(s.clean()).isTrue());
        assertThat(stats.fileBytes()).isEqualTo(Files.size(root.resolve("articles/vectors-0.jvdb"))
                + Files.size(root.resolve("articles/vectors-1.jvdb")));
        assertThat(reader.stats("notes").shards()).isEmpty();
    }

    @Test
    void getLooksInEveryShardAndDoesNotReturnDeletedIds() throws Exception {
        twoDatabases();
        StoreReader reader = StoreReader.open(root);
        assertThat(reader.get("articles", "a")).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2, 3));
        assertThat(reader.get("articles", "c")).hasValueSatisfying(v -> assertThat(v).containsExactly(7, 8, 9));
        assertThat(reader.get("articles", "b")).isEmpty();
        assertThat(reader.get("articles", "nope")).isEmpty();
    }

    @Test
    void scanVisitsEveryLiveVectorOnce() throws Exception {
        twoDatabases();
        Map<String, float[]> seen = new HashMap<>();
        StoreReader.ScanResult result = StoreReader.open(root).scan("articles", (id, v) -> assertThat(seen.put(id, v)).isNull());
        assertThat(seen).containsOnlyKeys("a", "c");
        assertThat(seen.get("c")).containsExactly(7, 8, 9);
        assertThat(result).isEqualTo(new StoreReader.ScanResult(2, 0));
    }

    @Test
    void readsWhileAWriterHoldsTheShardWithoutTakingItsLockOrCreatingFiles() throws Exception {
        twoDatabases();
        try (VectorStore store = VectorStore.open(root, options)) {
            store.apply("articles", p0, List.of(Mutation.store("d", new float[] {1, 1, 1}, 3)));
            List<Path> before = tree(root);
            StoreReader reader = StoreReader.open(root);
            // A reader sees the last completed commit: not an applied record, not even a forced one.
            assertThat(reader.get("articles", "d")).isEmpty();
            store.forceOpenShards();
            assertThat(reader.get("articles", "d")).isEmpty();
            store.commit(p0, 3);
            assertThat(reader.get("articles", "d")).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 1, 1));
            assertThat(reader.scan("articles", (id, v) -> { }).visited()).isEqualTo(3);
            ShardStats shard0 = reader.stats("articles").shards().get(0);
            assertThat(shard0.clean()).isFalse();
            assertThat(shard0.checkpointOffset()).isEqualTo(3);
            assertThat(reader.verify("articles")).allSatisfy(r -> assertThat(r.hasFaults()).isFalse());
            assertThat(tree(root)).isEqualTo(before);
            // The writer still owns its shard and commits normally.
            store.apply("articles", p0, List.of(Mutation.store("e", new float[] {2, 2, 2}, 4)));
            store.commit(p0, 4);
        }
        assertThat(StoreReader.open(root).stats("articles").shards().get(0).checkpointOffset()).isEqualTo(4);
    }

    @Test
    void anUnknownDatabaseOrDataDirectoryIsAClearError() throws Exception {
        twoDatabases();
        assertThatThrownBy(() -> StoreReader.open(root).stats("nope")).isInstanceOf(DatabaseNotFoundException.class)
                .hasMessageContaining("database 'nope' does not exist in " + root);
        assertThatThrownBy(() -> StoreReader.open(root.resolve("missing"))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("missing");
        assertThat(root.resolve("missing")).doesNotExist();
        assertThatThrownBy(() -> StoreReader.open(root).get("../etc", "x")).isInstanceOf(InvalidMutationException.class);
    }

    @Test
    void aShardItsWriterReleasedIsMarkedAndCurrentOnlyReadersSkipIt() throws Exception {
        // Issue 10, item 9: a partition that moved to another worker leaves a shard nobody keeps current.
        SourcePartition p = new SourcePartition("vectors", 7);
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("moved", 3);
            store.resume(p);
            store.apply("moved", p, List.of(Mutation.store("m", new float[] {1, 2, 3}, 0)));
            store.commit(p, 0);
            assertThat(StoreReader.open(root).stats("moved").shards().get(0).released()).isFalse();
            store.release(p); // the partition was revoked
        }
        StoreReader reader = StoreReader.open(root);
        assertThat(reader.stats("moved").shards().get(0).released()).isTrue();
        assertThat(reader.get("moved", "m")).isPresent();
        assertThat(reader.currentOnly().get("moved", "m")).isEmpty();
        assertThat(reader.currentOnly().scan("moved", (id, v) -> { }).visited()).isZero();
        try (VectorStore store = VectorStore.open(root, options)) {
            store.resume(p);
            store.apply("moved", p, List.of(Mutation.store("n", new float[] {4, 5, 6}, 1)));
            store.commit(p, 1); // a writer owns it again
            assertThat(reader.stats("moved").shards().get(0).released()).isFalse();
            assertThat(reader.currentOnly().get("moved", "n")).isPresent();
        }
    }
    @Test
    void idleShardsOfAPartitionAreCurrentAgainWhenItIsAssignedBack() throws Exception {
        // Issue 15, finding 15: a partition that comes back feeds only one of its databases at
        // first; the other database's shard is the only copy of its ids and must be served.
        SourcePartition p = new SourcePartition("vectors", 4);
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("busy", 3);
            store.createDatabase("quiet", 3);
            store.resume(p);
            store.apply("busy", p, List.of(Mutation.store("b", new float[] {1, 2, 3}, 0)));
            store.apply("quiet", p, List.of(Mutation.store("q", new float[] {4, 5, 6}, 1)));
            store.commit(p, 1);
            store.release(p); // revoked
        }
        StoreReader reader = StoreReader.open(root).currentOnly();
        assertThat(reader.get("quiet", "q")).isEmpty();
        try (VectorStore store = VectorStore.open(root, options)) {
            store.resume(p); // assigned back: every shard of the partition is kept current again

            assertThat(reader.get("quiet", "q")).hasValueSatisfying(v -> assertThat(v).containsExactly(4, 5, 6));
            assertThat(reader.get("busy", "b")).isPresent();
            store.apply("busy", p, List.of(Mutation.store("c", new float[] {7, 8, 9}, 2)));
            store.commit(p, 2);
            assertThat(reader.get("quiet", "q")).isPresent(); // idle, still current
            assertThat(StoreReader.open(root).stats("quiet").shards().get(0).released()).isFalse();
        }
    }

    @Test
    void aShardTheOpenShardLimitClosedIsMarkedReleasedWithItsPartition() throws Exception {
        // Issue 15, finding 15: the limit closed it at its checkpoint; the partition then moved.
        SourcePartition p = new SourcePartition("vectors", 5);
        try (VectorStore store = VectorStore.open(root, options.withMaxOpenShards(1))) {
            store.createDatabase("first", 3);
            store.createDatabase("second", 3);
            store.resume(p);
            store.apply("first", p, List.of(Mutation.store("f", new float[] {1, 2, 3}, 0)));
            store.commit(p, 0);
            store.apply("second", p, List.of(Mutation.store("s", new float[] {4, 5, 6}, 1))); // closes first's shard
            assertThat(store.openShardCount()).isEqualTo(1);

            store.release(p); // revoked: nobody keeps either shard current now
        }
        StoreReader reader = StoreReader.open(root);
        assertThat(reader.stats("first").shards().get(0).released()).isTrue();
        assertThat(reader.stats("second").shards().get(0).released()).isTrue();
        assertThat(reader.currentOnly().get("first", "f")).isEmpty();
        assertThat(reader.get("first", "f")).isPresent(); // still there for readers that want every shard
    }

    @Test
    void releaseMarksShardsItDidNotWriteAndResumeMarksThemWithoutChangingTheirContents() throws Exception {
        // A partition assigned, then revoked before it wrote anything: its shards are no one's.
        SourcePartition p = new SourcePartition("vectors", 6);
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("kept", 3);
            store.apply("kept", p, List.of(Mutation.store("k", new float[] {1, 2, 3}, 0)));
            store.commit(p, 0);
        }
        ShardStats before = StoreReader.open(root).stats("kept").shards().get(0);
        assertThat(before.released()).isFalse();
        try (VectorStore store = VectorStore.open(root, options)) {
            store.resume(p);
            store.release(p);
        }
        ShardStats released = StoreReader.open(root).stats("kept").shards().get(0);
        assertThat(released.released()).isTrue();
        assertThat(released.checkpointOffset()).isEqualTo(before.checkpointOffset());
        assertThat(released.liveCount()).isEqualTo(before.liveCount());
        assertThat(released.logBytes()).isEqualTo(before.logBytes());
        try (VectorStore store = VectorStore.open(root, options)) {
            store.resume(p);
            assertThat(store.openShardCount()).isZero(); // marked, not opened
        }
        assertThat(StoreReader.open(root).currentOnly().get("kept", "k")).isPresent();
        try (VectorStore store = VectorStore.open(root, options)) {
            assertThat(store.checkpoint(p)).hasValue(0);
            store.resume(p);
            store.apply("kept", p, List.of(Mutation.store("k", new float[] {3, 2, 1}, 1)));
            store.commit(p, 1);
        }
        assertThat(StoreReader.open(root).get("kept", "k")).hasValueSatisfying(v -> assertThat(v).containsExactly(3, 2, 1));
    }
}
