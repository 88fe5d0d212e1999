package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.crash.PowerLossImages;
import io.jadevectordb.engine.crash.RecordingFileIO;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.verify.OfflineCompaction;
import io.jadevectordb.engine.verify.ShardVerifier;

/** Per-vector metadata through the store: its semantics per operation, its bound, and its bytes on disk. */
class MetadataTest {

    private static final String SHARD = "db/t-0.jvdb";
    private static final SourcePartition SOURCE = new SourcePartition("t", 0);

    @TempDir
    Path root;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO).withCompaction(0, 0.5);

    private static byte[] doc(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertEntry(Database db, String id, float[] vector, byte[] metadata) throws Exception {
        StoredVector entry = db.getEntry(id).orElseThrow(() -> new AssertionError("id " + id + " missing"));
        assertThat(entry.id()).isEqualTo(id);
        assertThat(entry.vector()).containsExactly(vector);
        if (metadata == null) {
            assertThat(entry.metadata()).as("metadata of %s", id).isNull();
        } else {
            assertThat(entry.metadata()).as("metadata of %s", id).containsExactly(metadata);
        }
    }

    @Test
    void metadataSurvivesApplyCommitReopenAndAPowerLossAfterTheCommit() throws Exception {
        Path live = Files.createDirectories(root.resolve("live"));
        RecordingFileIO io = RecordingFileIO.under(live);
        byte[] large = new byte[40_000];
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) (i * 31);
        }
        try (VectorStore store = VectorStore.open(live, options.withFileIO(io))) {
            Database db = store.createDatabase("db", 3);
            store.apply("db", SOURCE, List.of(Mutation.store("a", Vectors.of(3, 1), doc("{title: A}"), 0),
                    Mutation.store("b", Vectors.of(3, 2), 1), Mutation.store("c", Vectors.of(3, 3), large, 2),
                    Mutation.store("e", Vectors.of(3, 4), new byte[0], 3)));
            assertEntry(db, "a", Vectors.of(3, 1), doc("{title: A}"));
            store.commit(SOURCE, 3);
        }
        Path image = root.resolve("image");
        new PowerLossImages(io.recording()).materialiseForcedOnly(io.recording().mark(), image);
        for (Path dir : List.of(live, image)) {
            // Without the index snapshot, opening reads the log: the records themselves carry the metadata.
            Files.deleteIfExists(dir.resolve(SHARD + ".index"));
            try (VectorStore store = VectorStore.open(dir, options)) {
                Database db = store.database("db").orElseThrow();
                assertEntry(db, "a", Vectors.of(3, 1), doc("{title: A}"));
                assertEntry(db, "b", Vectors.of(3, 2), null);
                assertEntry(db, "c", Vectors.of(3, 3), large);
                assertEntry(db, "e", Vectors.of(3, 4), new byte[0]);
                assertThat(db.get("a")).hasValueSatisfying(v -> assertThat(v).containsExactly(Vectors.of(3, 1)));
                Map<String, byte[]> scanned = new HashMap<>();
                db.scanEntries(e -> scanned.put(e.id(), e.metadata()));
                assertThat(scanned).containsOnlyKeys("a", "b", "c", "e");
                assertThat(scanned.get("a")).containsExactly(doc("{title: A}"));
                assertThat(scanned.get("b")).isNull();
                assertThat(scanned.get("c")).containsExactly(large);
            }
            StoreReader reader = StoreReader.open(dir);
            assertThat(reader.getEntry("db", "c")).hasValueSatisfying(e -> assertThat(e.metadata()).containsExactly(large));
            assertThat(reader.getEntry("db", "b")).hasValueSatisfying(e -> assertThat(e.metadata()).isNull());
            assertThat(reader.get("db", "c")).hasValueSatisfying(v -> assertThat(v).containsExactly(Vectors.of(3, 3)));
            assertThat(ShardVerifier.verify(SHARD, dir.resolve(SHARD), options).problems()).as("verify of %s", dir).isEmpty();
        }
    }

    @Test
    void updateReplacesWhatItCarriesAndKeepsTheRestDeleteRemovesBoth() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.createDatabase("db", 2);
            store.apply("db", SOURCE, List.of(Mutation.store("x", new float[] {1, 2}, doc("v1"), 0),
                    Mutation.update("x", null, doc("v2"), 1)));
            assertEntry(db, "x", new float[] {1, 2}, doc("v2"));
            store.apply("db", SOURCE, List.of(Mutation.update("x", new float[] {3, 4}, 2)));
            assertEntry(db, "x", new float[] {3, 4}, doc("v2"));
            store.apply("db", SOURCE, List.of(Mutation.update("x", new float[] {5, 6}, doc("v3"), 3)));
            assertEntry(db, "x", new float[] {5, 6}, doc("v3"));
            store.commit(SOURCE, 3);
            assertThat(store.apply("db", SOURCE, List.of(Mutation.update("x", null, doc("stale"), 3))))
                    .containsExactly(Mutation.Outcome.SKIPPED_STALE);
            assertThat(store.apply("db", SOURCE, List.of(Mutation.update("nobody", null, doc("m"), 4))))
                    .containsExactly(Mutation.Outcome.NOT_FOUND);
            store.apply("db", SOURCE, List.of(Mutation.store("x", new float[] {7, 8}, 5)));
            assertEntry(db, "x", new float[] {7, 8}, null);
            store.apply("db", SOURCE, List.of(Mutation.update("x", null, doc("again"), 6), Mutation.delete("x", 7)));
            assertThat(db.getEntry("x")).isEmpty();
            store.apply("db", SOURCE, List.of(Mutation.store("x", new float[] {9, 9}, 8)));
            assertEntry(db, "x", new float[] {9, 9}, null);
            store.commit(SOURCE, 8);
        }
        try (VectorStore store = VectorStore.open(root, options)) {
            assertEntry(store.database("db").orElseThrow(), "x", new float[] {9, 9}, null);
        }
    }

    @Test
    void compactionKeepsTheNewestVersionsMetadataAndDropsDeletedOnes() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("db", 2);
            store.apply("db", SOURCE, List.of(Mutation.store("k", new float[] {1, 1}, doc("old"), 0),
                    Mutation.store("d", new float[] {2, 2}, doc("gone"), 1), Mutation.update("k", null, doc("newest"), 2),
                    Mutation.delete("d", 3), Mutation.update("k", new float[] {3, 3}, 4)));
            store.commit(SOURCE, 4);
        }
        OfflineCompaction.Result result = OfflineCompaction.compact(SHARD, root.resolve(SHARD), options);
        assertThat(result.garbageReclaimed()).isPositive();
        assertThat(ShardVerifier.verify(SHARD, root.resolve(SHARD), options).problems()).isEmpty();
        Files.deleteIfExists(root.resolve(SHARD + ".index"));
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.database("db").orElseThrow();
            assertEntry(db, "k", new float[] {3, 3}, doc("newest"));
            assertThat(db.getEntry("d")).isEmpty();
        }
        byte[] file = Files.readAllBytes(root.resolve(SHARD));
        assertThat(new String(file, StandardCharsets.ISO_8859_1)).doesNotContain("gone").doesNotContain("old");
    }

    @Test
    void metadataOverTheLimitIsRefusedNamingTheFieldTheSizeAndTheFix() throws Exception {
        try (VectorStore store = VectorStore.open(root, options.withMaxMetadataBytes(100))) {
            Database db = store.createDatabase("db", 2);
            store.apply("db", SOURCE, List.of(Mutation.store("ok", new float[] {1, 2}, new byte[100], 0)));
            assertThatThrownBy(() -> store.apply("db", SOURCE, List.of(Mutation.store("big", new float[] {1, 2}, new byte[101], 1))))
                    .isInstanceOfSatisfying(InvalidMutationException.class, e -> {
                        assertThat(e.field()).isEqualTo("metadata");
                        assertThat(e.getMessage()).contains("101 bytes").contains("'big'").contains("limit of 100")
                                .contains("maxMetadataBytes");
                    });
            assertThat(db.getEntry("big")).isEmpty();
        }
        assertThatThrownBy(() -> options.withMaxMetadataBytes(ShardFormat.MAX_METADATA_BYTES + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxMetadataBytes");
        assertThatThrownBy(() -> Mutation.update("x", null, null, 0)).isInstanceOf(InvalidMutationException.class)
                .hasMessageContaining("no vector and no metadata");
    }

    @Test
    void aMetadataLengthRunningPastItsRecordIsDamageNotARead() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("db", 2);
            store.apply("db", SOURCE, List.of(Mutation.store("a", new float[] {1, 2}, doc("meta"), 0)));
            store.commit(SOURCE, 0);
        }
        Path shard = root.resolve(SHARD);
        // The first record: header 24, vector 8, id 1, then the metadata length at 33.
        long at = ShardFormat.FIRST_RECORD + ShardFormat.RECORD_HEADER + 8 + 1;
        // One length that overflows an int sum, one that merely runs past the record's 48 bytes.
        for (int claimed : new int[] {Integer.MAX_VALUE, 1000}) {
            try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, claimed), at);
            }
            assertThat(ShardVerifier.verify(SHARD, shard, options).faults())
                    .anySatisfy(p -> assertThat(p.toString()).contains("metadata length " + claimed));
        }
        // Through a reader of the last commit (its index snapshot still points at the record).
        assertThatThrownBy(() -> StoreReader.open(root).get("db", "a")).isInstanceOf(CorruptShardException.class);
        Files.delete(ShardFiles.indexSnapshot(shard));
        assertThatThrownBy(() -> {
            try (VectorStore store = VectorStore.open(root, options)) {
                store.database("db").orElseThrow().getEntry("a");
            }
        }).isInstanceOf(CorruptShardException.class).hasMessageContaining("metadata length");
    }
}
