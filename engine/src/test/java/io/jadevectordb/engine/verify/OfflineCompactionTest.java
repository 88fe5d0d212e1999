package io.jadevectordb.engine.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.CorruptShardException;
import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.FormatOneFixtures;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.ShardLockedException;
import io.jadevectordb.engine.ShardStats;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.engine.VectorStore;
import io.jadevectordb.engine.Vectors;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.shard.Shard;

class OfflineCompactionTest {

    private static final String NAME = "db/vectors-0.jvdb";
    /** A STORE of a 16-d vector with an id of up to 4 bytes, and a DELETE of one. */
    private static final int STORE = ShardFormat.recordLength(64, 4);
    private static final int TOMBSTONE = ShardFormat.recordLength(0, 4);

    @TempDir
    Path root;

    // Automatic compaction off: these tests run it by hand.
    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO).withGrowthBytes(64 * 1024)
            .withCompaction(0, 0.5);
    private final SourcePartition source = new SourcePartition("vectors", 0);

    private Path shard() {
        return root.resolve("db/vectors-0.jvdb");
    }

    /** Ids v0..v199 stored at offsets 0..199, every id with i % 4 != 0 deleted at 200..349, committed at 400. */
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
    void dropsSupersededRecordsKeepsLiveVectorsAndTombstonesAndTheCheckpointOffset() throws Exception {
        writeHistory();
        long before = Files.size(shard());
        OfflineCompaction.Result result = OfflineCompaction.compact(NAME, shard(), options);
        assertThat(result.liveCount()).isEqualTo(50);
        assertThat(result.deletedKept()).isEqualTo(150);
        assertThat(result.garbageReclaimed()).isEqualTo(150L * STORE);
        assertThat(result.logBytesBefore()).isEqualTo(ShardFormat.FIRST_RECORD + 200L * STORE + 150L * TOMBSTONE);
        assertThat(result.logBytesAfter()).isEqualTo(ShardFormat.FIRST_RECORD + 50L * STORE + 150L * TOMBSTONE);
        assertThat(result.bytesBefore()).isEqualTo(before);
        assertThat(Files.size(shard())).isEqualTo(result.bytesAfter()).isLessThan(before);
        assertThat(result.sourceOffset()).isEqualTo(400);
        assertThat(result.recoveredFirst()).isFalse();
        assertThat(result.migratedFirst()).isFalse();
        ShardStats stats = Shard.statsOf(NAME, shard());
        assertThat(stats.garbageBytes()).isZero();
        assertThat(stats.deletedCount()).isEqualTo(150);
        assertThat(stats.clean()).isTrue();
        assertThat(stats.checkpointOffset()).isEqualTo(400);
        assertThat(ShardVerifier.verify(NAME, shard(), options).problems()).isEmpty();
        StoreReader reader = StoreReader.open(root);
        for (int i = 0; i < 200; i++) {
            if (i % 4 == 0) {
                float[] expected = Vectors.of(16, i);
                assertThat(reader.get("db", "v" + i)).hasValueSatisfying(v -> assertThat(v).containsExactly(expected));
            } else {
                assertThat(reader.get("db", "v" + i)).isEmpty();
            }
        }
        assertThat(ShardFiles.temporary(shard())).doesNotExist();
    }

    @Test
    void replayingTheWholeSourceAfterCompactionChangesNothingBecauseTombstonesRemainInTheLog() throws Exception {
        writeHistory();
        OfflineCompaction.compact(NAME, shard(), options);
        try (VectorStore store = VectorStore.open(root, options)) {
            List<Mutation.Outcome> outcomes = store.apply("db", source, history());
            // Had compaction dropped the tombstones, the 150 stores of deleted ids would apply again.
            assertThat(outcomes).containsOnly(Mutation.Outcome.SKIPPED_STALE);
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
            assertThatThrownBy(() -> OfflineCompaction.compact(NAME, shard(), options))
                    .isInstanceOf(ShardLockedException.class).hasMessageContaining("vectors-0.jvdb");
            assertThat(Files.readAllBytes(shard())).isEqualTo(before);
        }
    }

    @Test
    void recoversAFileLeftByACrashBeforeCompactingIt() throws Exception {
        writeHistory();
        Shard crashed = Shard.openForWrite(NAME, shard(), 16, 128, options);
        crashed.apply(Mutation.store("late", Vectors.of(16, 7), 500), ShardFormat.idBytes("late"));
        crashed.forceDirty();
        crashed.releaseQuietly();
        OfflineCompaction.Result result = OfflineCompaction.compact(NAME, shard(), options);
        assertThat(result.recoveredFirst()).isTrue();
        assertThat(result.sourceOffset()).isEqualTo(400);
        // The insert after the checkpoint belongs to no commit: it is gone, and replay from 401 restores it.
        assertThat(result.liveCount()).isEqualTo(50);
        assertThat(StoreReader.open(root).get("db", "late")).isEmpty();
        assertThat(ShardVerifier.verify(NAME, shard(), options).problems()).isEmpty();
    }

    @Test
    void refusesAFileWithFaultsAndChangesNothing() throws Exception {
        writeHistory();
        ShardFileBytes s = ShardFileBytes.load(shard());
        long position = s.newestRecords().get("v0");
        s.bytes[(int) position + ShardFormat.RECORD_HEADER + 1] ^= 1;
        s.save();
        assertThatThrownBy(() -> OfflineCompaction.compact(NAME, shard(), options))
                .isInstanceOf(CorruptShardException.class).hasMessageContaining("not compacted")
                .hasMessageContaining("record at " + position).hasMessageContaining("checksum mismatch");
        assertThat(Files.readAllBytes(shard())).isEqualTo(s.bytes);
    }

    @Test
    void upgradesAFormatOneFileBeforeCompactingIt() throws Exception {
        FormatOneFixtures.copy("clean", shard()); // 4 live ids, 2 deleted, committed at 10 (see its README)
        OfflineCompaction.Result result = OfflineCompaction.compact(NAME, shard(), options);
        assertThat(result.migratedFirst()).isTrue();
        assertThat(result.liveCount()).isEqualTo(4);
        assertThat(result.deletedKept()).isEqualTo(2);
        assertThat(result.sourceOffset()).isEqualTo(10);
        ShardReport report = ShardVerifier.verify(NAME, shard(), options);
        assertThat(report.formatVersion()).isEqualTo(2);
        assertThat(report.problems()).isEmpty();
    }
}
