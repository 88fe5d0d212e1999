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

class ShardCompactorTest {

    @TempDir
    Path root;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO).withGrowthBytes(64 * 1024);
    private final SourcePartition source = new SourcePartition("vectors", 0);

    private Path shard() {
        return root.resolve("db/vectors-0.jvdb");
    }

    /** Ids v0..v199 stored at offsets 0..199, every id with i % 4 != 0 deleted at 200.., committed at 400. */
    private List<Mutation> history() {
        List<Mutation> mutations = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            mutations.add(Mutation.store("v" + i, Vectors.of(16, i), i));
        }
        long offset = 200;
        for (int i = 0; i < 200; i++) {
            if (i % 4 != 0) {
                mutations.add(Mutation.delete("v" + i, offset++));
            }
        }
        return mutations;
    }

    private void writeHistory() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            store.createDatabase("db", 16);
            store.apply("db", source, history());
            store.commit(source, 400);
        }
    }

    @Test
    void keepsLiveVectorsBitExactRenumbersSlotsAndShrinksTheFile() throws Exception {
        writeHistory();
        long before = Files.size(shard());
        ShardCompactor.Result result = ShardCompactor.compact("db/vectors-0.jvdb", shard(), options);
        assertThat(result.liveCount()).isEqualTo(50);
        assertThat(result.deletedDropped()).isEqualTo(150);
        assertThat(result.bytesBefore()).isEqualTo(before);
        assertThat(Files.size(shard())).isEqualTo(result.bytesAfter()).isLessThan(before);
        assertThat(result.indexCapacityAfter()).isLessThan(result.indexCapacityBefore());
        ShardStats stats = Shard.statsOf("db/vectors-0.jvdb", shard());
        assertThat(stats.logBytes()).isEqualTo(50);
        assertThat(stats.deletedCount()).isZero();
        assertThat(stats.clean()).isTrue();
        assertThat(stats.checkpointOffset()).isEqualTo(400);
        assertThat(ShardVerifier.verify("db/vectors-0.jvdb", shard(), options).problems()).isEmpty();
        StoreReader reader = StoreReader.open(root);
        for (int i = 0; i < 200; i++) {
            if (i % 4 == 0) {
                float[] expected = Vectors.of(16, i);
                assertThat(reader.get("db", "v" + i)).hasValueSatisfying(v -> assertThat(v).containsExactly(expected));
            } else {
                assertThat(reader.get("db", "v" + i)).isEmpty();
            }
        }
        assertThat(Files.exists(ShardFiles.temporary(shard()))).isFalse();
    }

    @Test
    void replayingTheWholeSourceAfterCompactionRestoresTheSameState() throws Exception {
        writeHistory();
        ShardCompactor.compact("db/vectors-0.jvdb", shard(), options);
        try (VectorStore store = VectorStore.open(root, options)) {
            List<Mutation.Outcome> outcomes = store.apply("db", source, history());
            // Deleted ids were dropped, so their stores apply again, and their deletes then delete them again.
            assertThat(outcomes.subList(0, 200).stream().filter(o -> o == Mutation.Outcome.SKIPPED_STALE).count()).isEqualTo(50);
            store.commit(source, 400);
            Database db = store.database("db").orElseThrow();
            for (int i = 0; i < 200; i++) {
                assertThat(db.get("v" + i).isPresent()).as("v" + i).isEqualTo(i % 4 == 0);
            }
        }
    }

    @Test
    void refusesWhileAWriterHoldsTheLockAndLeavesTheFileAlone() throws Exception {
        writeHistory();
        try (VectorStore store = VectorStore.open(root, options)) {
            store.apply("db", source, List.of(Mutation.store("w", Vectors.of(16, 1), 401)));
            byte[] before = Files.readAllBytes(shard());
            assertThatThrownBy(() -> ShardCompactor.compact("db/vectors-0.jvdb", shard(), options))
                    .isInstanceOf(ShardLockedException.class).hasMessageContaining("vectors-0.jvdb");
            assertThat(Files.readAllBytes(shard())).isEqualTo(before);
        }
    }

    @Test
    void recoversAFileLeftByACrashBeforeCompactingIt() throws Exception {
        writeHistory();
        Shard crashed = Shard.openForWrite("db/vectors-0.jvdb", shard(), 16, 128, options);
        crashed.apply(Mutation.store("late", Vectors.of(16, 7), 500), ShardFormat.idBytes("late"));
        crashed.releaseQuietly();
        ShardCompactor.Result result = ShardCompactor.compact("db/vectors-0.jvdb", shard(), options);
        assertThat(result.recoveredFirst()).isTrue();
        assertThat(result.sourceOffset()).isEqualTo(400);
        // The post-checkpoint insert was not durable: recovery drops it and replay from 401 restores it.
        assertThat(result.liveCount()).isEqualTo(50);
        assertThat(ShardVerifier.verify("db/vectors-0.jvdb", shard(), options).problems()).isEmpty();
    }

    @Test
    void refusesAFileWithFaults() throws Exception {
        writeHistory();
        ShardBytes s = ShardBytes.load(shard());
        int p = s.positionOf("v0");
        s.bytes[s.slotAt(s.slot(p)) + 1] ^= 1;
        s.save();
        assertThatThrownBy(() -> ShardCompactor.compact("db/vectors-0.jvdb", shard(), options))
                .isInstanceOf(CorruptShardException.class).hasMessageContaining("not compacted")
                .hasMessageContaining("entry " + p).hasMessageContaining("payload checksum mismatch");
        assertThat(Files.readAllBytes(shard())).isEqualTo(s.bytes);
    }
}
