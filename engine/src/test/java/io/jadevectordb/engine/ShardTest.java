package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.crash.ShardContents;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.verify.ShardVerifier;

class ShardTest {

    @TempDir
    Path dir;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO)
            .withMapChunkBytes(4096).withGrowthBytes(8192);

    private Shard open(int dimension) throws Exception {
        return Shard.openForWrite("db/s-0.jvdb", dir.resolve("s-0.jvdb"), dimension, 32, options);
    }

    private static byte[] id(String s) {
        return ShardFormat.idBytes(s);
    }

    @Test
    void storesUpdatesAndSoftDeletesById() throws Exception {
        try (Shard shard = open(8)) {
            assertThat(shard.apply(Mutation.store("a", Vectors.of(8, 1), 0), id("a"))).isEqualTo(Mutation.Outcome.APPLIED);
            assertThat(shard.apply(Mutation.update("a", Vectors.of(8, 2), 1), id("a"))).isEqualTo(Mutation.Outcome.APPLIED);
            assertThat(shard.get(id("a"))).containsExactly(Vectors.of(8, 2));
            assertThat(shard.apply(Mutation.delete("a", 2), id("a"))).isEqualTo(Mutation.Outcome.APPLIED);
            assertThat(shard.get(id("a"))).isNull();
            assertThat(shard.apply(Mutation.update("a", Vectors.of(8, 3), 3), id("a"))).isEqualTo(Mutation.Outcome.NOT_FOUND);
            assertThat(shard.apply(Mutation.store("a", Vectors.of(8, 4), 4), id("a"))).isEqualTo(Mutation.Outcome.APPLIED);
            assertThat(shard.get(id("a"))).containsExactly(Vectors.of(8, 4));
            assertThat(shard.stats().liveCount()).isEqualTo(1);
            assertThat(shard.stats().deletedCount()).isZero();
        }
    }

    @Test
    void oneBatchThatRewritesItsOwnIdsAppliesEveryStepInOrderAcrossIndexGrowth() throws Exception {
        // Inside a batch the new vectors and entries are held back and written when it ends; later
        // mutations of the same batch must still see them, also across an index growth.
        List<Mutation> batch = new ArrayList<>();
        long o = 0;
        for (int i = 0; i < 400; i++) {
            batch.add(Mutation.store("id-" + i, Vectors.of(8, i), o++));
            if (i % 3 == 0) {
                batch.add(Mutation.update("id-" + i, Vectors.of(8, 1000 + i), o++));
            }
            if (i % 7 == 0) {
                batch.add(Mutation.delete("id-" + i, o++));
            }
            if (i % 14 == 0) {
                batch.add(Mutation.store("id-" + i, Vectors.of(8, 2000 + i), o++));
            }
        }
        try (Shard shard = open(8)) {
            List<Mutation.Outcome> outcomes = shard.applyAll(batch, m -> id(m.id()));
            assertThat(outcomes).containsOnly(Mutation.Outcome.APPLIED);
            assertThat(shard.stats().indexCapacity()).isGreaterThan(ShardFormat.MIN_INDEX_CAPACITY);
            shard.commit(o - 1);
        }
        try (Shard shard = open(8)) {
            assertThat(shard.wasRecovered()).isFalse();
            for (int i = 0; i < 400; i++) {
                float[] expected = i % 14 == 0 ? Vectors.of(8, 2000 + i)
                        : i % 7 == 0 ? null
                        : i % 3 == 0 ? Vectors.of(8, 1000 + i)
                        : Vectors.of(8, i);
                assertThat(shard.get(id("id-" + i))).as("id-" + i).isEqualTo(expected);
            }
            assertThat(shard.stats().liveCount()).isEqualTo(400 - (400 / 7 + 1) + (400 / 14 + 1));
        }
        assertThat(ShardVerifier.verify("db/s-0.jvdb", dir.resolve("s-0.jvdb"), options).faults()).isEmpty();
    }

    @Test
    void indexEntriesReachTheFileWhenTooManyAreHeldAndAtEveryForceNotAtEveryBatch() throws Exception {
        int count = ShardIndex.MAX_PENDING + 1000;
        try (Shard shard = open(2)) {
            List<Mutation> batch = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                batch.add(Mutation.store("id-" + i, Vectors.of(2, i), i));
                if (batch.size() == 1000 || i == count - 1) {
                    shard.applyAll(batch, m -> id(m.id()));
                    batch.clear();
                }
            }
            try (Shard view = Shard.openReadOnly("db/s-0.jvdb", dir.resolve("s-0.jvdb"), options)) {
                assertThat(view.get(id("id-0"))).as("flushed when the limit was reached").containsExactly(Vectors.of(2, 0));
                assertThat(view.get(id("id-" + (count - 1)))).as("held until the next force").isNull();
            }
            assertThat(shard.get(id("id-" + (count - 1)))).as("the writer sees what it holds").containsExactly(Vectors.of(2, count - 1));
            shard.forceDirty();
            try (Shard view = Shard.openReadOnly("db/s-0.jvdb", dir.resolve("s-0.jvdb"), options)) {
                assertThat(view.get(id("id-" + (count - 1)))).containsExactly(Vectors.of(2, count - 1));
            }
        }
    }

    @Test
    void aLockFreeReaderSeesAnUpdateInPlaceWholeAsSoonAsItsBatchEnds() throws Exception {
        try (Shard shard = open(4)) {
            shard.apply(Mutation.store("x", Vectors.of(4, 1), 0), id("x"));
            shard.commit(0);
            // The new vector overwrites the old one in its slot: its entry (with the new checksum)
            // cannot wait for the next force like an insert's.
            shard.apply(Mutation.update("x", Vectors.of(4, 2), 1), id("x"));
            try (ShardSnapshot snapshot = ShardSnapshot.open("db/s-0.jvdb", dir.resolve("s-0.jvdb"), options)) {
                assertThat(snapshot.get(id("x"))).containsExactly(Vectors.of(4, 2));
            }
        }
    }

    @Test
    void skipsMutationsAtOrBelowTheOffsetThatLastWroteTheId() throws Exception {
        try (Shard shard = open(4)) {
            shard.apply(Mutation.store("k", Vectors.of(4, 1), 10), id("k"));
            shard.apply(Mutation.delete("k", 20), id("k"));
            assertThat(shard.apply(Mutation.store("k", Vectors.of(4, 2), 15), id("k"))).isEqualTo(Mutation.Outcome.SKIPPED_STALE);
            assertThat(shard.apply(Mutation.delete("k", 20), id("k"))).isEqualTo(Mutation.Outcome.SKIPPED_STALE);
            assertThat(shard.get(id("k"))).isNull();
        }
    }

    @Test
    void growsTheIndexPastThreeQuartersLoadAndKeepsEveryId() throws Exception {
        try (Shard shard = open(3)) {
            for (int i = 0; i < 1000; i++) {
                shard.apply(Mutation.store("id-" + i, Vectors.of(3, i), i), id("id-" + i));
            }
            assertThat(shard.stats().indexCapacity()).isEqualTo(4096);
            for (int i = 0; i < 1000; i++) {
                assertThat(shard.get(id("id-" + i))).as("id-" + i).containsExactly(Vectors.of(3, i));
            }
        }
        assertThat(Files.exists(ShardFiles.temporary(dir.resolve("s-0.jvdb")))).isFalse();
    }

    @Test
    void aShardCreatedForAnExpectedCountHoldsThatManyWithoutGrowingItsIndex() throws Exception {
        StoreOptions sized = options.withExpectedVectorsPerShard(1000);
        try (Shard shard = Shard.openForWrite("db/s-0.jvdb", dir.resolve("s-0.jvdb"), 3, 32, sized)) {
            assertThat(shard.stats().indexCapacity()).isEqualTo(2048);
            for (int i = 0; i < 1000; i++) {
                shard.apply(Mutation.store("id-" + i, Vectors.of(3, i), i), id("id-" + i));
            }
            assertThat(shard.stats().indexCapacity()).isEqualTo(2048);
            shard.apply(Mutation.store("id-1000", Vectors.of(3, 1000), 1000), id("id-1000"));
            shard.apply(Mutation.store("id-1001", Vectors.of(3, 1001), 1001), id("id-1001"));
            for (int i = 0; i < 1002; i++) {
                assertThat(shard.get(id("id-" + i))).as("id-" + i).containsExactly(Vectors.of(3, i));
            }
        }
        // The option only shapes new files: an existing shard keeps its own capacity.
        try (Shard shard = Shard.openForWrite("db/s-0.jvdb", dir.resolve("s-0.jvdb"), 3, 32,
                options.withExpectedVectorsPerShard(100_000))) {
            assertThat(shard.stats().indexCapacity()).isEqualTo(2048);
        }
        assertThatThrownBy(() -> options.withExpectedVectorsPerShard(-1)).hasMessageContaining("expectedVectorsPerShard");
    }

    @Test
    void vectorsCrossingMapChunkBoundariesReadBackExactly() throws Exception {
        // 4 KiB chunks and 1000-float slots: nearly every vector spans two or more chunks.
        try (Shard shard = open(1000)) {
            for (int i = 0; i < 50; i++) {
                shard.apply(Mutation.store("v" + i, Vectors.of(1000, i), i), id("v" + i));
            }
            shard.commit(49);
        }
        try (Shard shard = open(1000)) {
            assertThat(shard.wasRecovered()).isFalse();
            for (int i = 0; i < 50; i++) {
                assertThat(shard.get(id("v" + i))).containsExactly(Vectors.of(1000, i));
            }
        }
    }

    @Test
    void cleanCloseReopensWithoutRecoveryAndKeepsTheCheckpoint() throws Exception {
        try (Shard shard = open(4)) {
            shard.apply(Mutation.store("a", Vectors.of(4, 1), 7), id("a"));
            shard.commit(7);
        }
        try (Shard shard = open(4)) {
            assertThat(shard.wasRecovered()).isFalse();
            assertThat(shard.checkpoint().sourceOffset()).isEqualTo(7);
            assertThat(shard.get(id("a"))).containsExactly(Vectors.of(4, 1));
        }
    }

    @Test
    void uncleanShutdownRunsRecoveryAndKeepsCommittedData() throws Exception {
        Shard shard = open(4);
        shard.apply(Mutation.store("a", Vectors.of(4, 1), 0), id("a"));
        shard.commit(0);
        shard.apply(Mutation.store("b", Vectors.of(4, 2), 1), id("b"));
        shard.releaseQuietly(); // a crash: nothing more forced, no clean checkpoint
        try (Shard reopened = open(4)) {
            assertThat(reopened.wasRecovered()).isTrue();
            assertThat(reopened.checkpoint().sourceOffset()).isZero();
            assertThat(reopened.get(id("a"))).containsExactly(Vectors.of(4, 1));
        }
    }

    @Test
    void refusesASecondWriterOnTheSameShard() throws Exception {
        try (Shard first = open(4)) {
            assertThatThrownBy(() -> open(4)).isInstanceOf(ShardLockedException.class)
                    .hasMessageContaining("s-0.jvdb").hasMessageContaining("locked by another writer");
        }
    }

    @Test
    void refusesAFileOfAnotherDimension() throws Exception {
        open(4).close();
        assertThatThrownBy(() -> open(5)).isInstanceOf(CorruptShardException.class)
                .hasMessageContaining("dimension 4").hasMessageContaining("dimension 5");
    }

    @Test
    void readOnlyViewSeesCommittedDataWhileTheWriterHoldsTheLock() throws Exception {
        try (Shard writer = open(4)) {
            writer.apply(Mutation.store("a", Vectors.of(4, 1), 0), id("a"));
            writer.commit(0);
            try (Shard reader = Shard.openReadOnly("db/s-0.jvdb", dir.resolve("s-0.jvdb"), options)) {
                assertThat(reader.get(id("a"))).containsExactly(Vectors.of(4, 1));
            }
        }
    }

    @Test
    void directWritesAfterACrashAreNotMistakenForReplayOfSurvivingNewerEntries() throws Exception {
        Shard shard = open(4);
        shard.applyNext(Mutation.Op.STORE, "a", id("a"), Vectors.of(4, 1));
        shard.commitApplied();
        shard.applyNext(Mutation.Op.UPDATE, "a", id("a"), Vectors.of(4, 2)); // in place, past the checkpoint
        shard.forceDirty(); // ... and on disk, without a checkpoint
        shard.releaseQuietly();
        try (Shard reopened = open(4)) {
            assertThat(reopened.checkpoint().sourceOffset()).isZero();
            assertThat(reopened.get(id("a"))).containsExactly(Vectors.of(4, 2));
            assertThat(reopened.applyNext(Mutation.Op.STORE, "a", id("a"), Vectors.of(4, 9))).isEqualTo(Mutation.Outcome.APPLIED);
            assertThat(reopened.get(id("a"))).containsExactly(Vectors.of(4, 9));
        }
    }

    @Test
    void directWriteOffsetsStayAboveSurvivingEntriesAcrossACleanCloseAfterRecovery() throws Exception {
        Shard shard = open(4);
        shard.applyNext(Mutation.Op.STORE, "a", id("a"), Vectors.of(4, 1));
        shard.commitApplied();
        shard.applyNext(Mutation.Op.UPDATE, "a", id("a"), Vectors.of(4, 2));
        shard.applyNext(Mutation.Op.UPDATE, "a", id("a"), Vectors.of(4, 3));
        shard.forceDirty();
        shard.releaseQuietly();
        open(4).close(); // recovered, then closed cleanly without a direct write
        try (Shard reopened = open(4)) {
            assertThat(reopened.wasRecovered()).isFalse();
            assertThat(reopened.applyNext(Mutation.Op.STORE, "a", id("a"), Vectors.of(4, 9))).isEqualTo(Mutation.Outcome.APPLIED);
            assertThat(reopened.get(id("a"))).containsExactly(Vectors.of(4, 9));
        }
    }

    @Test
    void aVectorFoundTornByRecoveryStaysInvisibleUntilReplayRewritesIt() throws Exception {
        Path file = dir.resolve("s-0.jvdb");
        Shard shard = open(4);
        shard.apply(Mutation.store("a", Vectors.of(4, 1), 0), id("a"));
        shard.commit(0);
        shard.apply(Mutation.update("a", Vectors.of(4, 2), 1), id("a"));
        shard.forceDirty();
        long vectorAt = shard.format().slotPosition(0);
        shard.releaseQuietly();
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) vectorAt + 5] ^= 0x40; // the in-place rewrite of the vector was torn
        Files.write(file, bytes);
        try (Shard recovered = open(4)) {
            assertThat(recovered.wasRecovered()).isTrue();
            assertThat(recovered.get(id("a"))).as("torn vector, awaiting replay").isNull();
            assertThat(ShardContents.visible(recovered)).isEmpty();
            assertThat(recovered.apply(Mutation.update("a", Vectors.of(4, 2), 1), id("a"))).isEqualTo(Mutation.Outcome.APPLIED);
            assertThat(recovered.get(id("a"))).containsExactly(Vectors.of(4, 2));
        }
    }
}
