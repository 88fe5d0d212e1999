package io.jadevectordb.engine.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.CorruptShardException;
import io.jadevectordb.engine.FormatOneFixtures;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.Mutations;
import io.jadevectordb.engine.ShardFailedException;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.TestOptions;
import io.jadevectordb.engine.Vectors;
import io.jadevectordb.engine.crash.ForwardingFileChannel;
import io.jadevectordb.engine.crash.ForwardingFileIO;
import io.jadevectordb.engine.crash.ShardContents;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.IndexSnapshot;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.Preallocator;
import io.jadevectordb.oracle.ExpectedDatabase;

class ShardTest {

    @TempDir
    Path dir;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO)
            .withMapChunkBytes(4096).withGrowthBytes(8192);

    private Path file() {
        return dir.resolve("s-0.jvdb");
    }

    private Shard open(int dimension, StoreOptions with) throws Exception {
        return Shard.openForWrite("db/s-0.jvdb", file(), dimension, 32, with);
    }

    private Shard open(int dimension) throws Exception {
        return open(dimension, options);
    }

    private static byte[] id(String s) {
        return ShardFormat.idBytes(s);
    }

    private static Map<String, List<Float>> visible(Shard shard) {
        Map<String, float[]> state = new HashMap<>();
        shard.scan(state::put);
        return ShardContents.comparable(state);
    }

    @Test
    void storesUpdatesAndSoftDeletesByIdWithTheOutcomesOfFormatOne() throws Exception {
        try (Shard shard = open(8)) {
            assertThat(shard.apply(Mutation.store("a", Vectors.of(8, 1), 0), id("a"))).isEqualTo(Mutation.Outcome.APPLIED);
            assertThat(shard.apply(Mutation.update("a", Vectors.of(8, 2), 1), id("a"))).isEqualTo(Mutation.Outcome.APPLIED);
            assertThat(shard.get(id("a"))).containsExactly(Vectors.of(8, 2));
            assertThat(shard.apply(Mutation.update("a", Vectors.of(8, 9), 1), id("a"))).isEqualTo(Mutation.Outcome.SKIPPED_STALE);
            assertThat(shard.apply(Mutation.delete("a", 2), id("a"))).isEqualTo(Mutation.Outcome.APPLIED);
            assertThat(shard.get(id("a"))).isNull();
            assertThat(shard.apply(Mutation.delete("a", 3), id("a"))).isEqualTo(Mutation.Outcome.NOT_FOUND);
            assertThat(shard.apply(Mutation.update("a", Vectors.of(8, 3), 4), id("a"))).isEqualTo(Mutation.Outcome.NOT_FOUND);
            assertThat(shard.apply(Mutation.update("b", Vectors.of(8, 3), 5), id("b"))).isEqualTo(Mutation.Outcome.NOT_FOUND);
            assertThat(shard.apply(Mutation.store("a", Vectors.of(8, 4), 6), id("a"))).isEqualTo(Mutation.Outcome.APPLIED);
            assertThat(shard.get(id("a"))).containsExactly(Vectors.of(8, 4));
            assertThat(shard.stats().liveCount()).isEqualTo(1);
            assertThat(shard.stats().deletedCount()).isZero();
        }
    }

    @Test
    void anUncommittedUpdateNeverDestroysTheCommittedVector() throws Exception {
        // Issue 9, defect 1: format 1 rewrote the committed vector in place.
        try (Shard shard = open(4)) {
            shard.apply(Mutation.store("a", Vectors.of(4, 0), 0), id("a"));
            shard.commit(0);
            shard.apply(Mutation.update("a", Vectors.of(4, 1), 1), id("a"));
            shard.apply(Mutation.store("b", Vectors.of(4, 2), 2), id("b"));
            shard.forceDirty(); // even forced, records past the checkpoint belong to no commit
            shard.releaseQuietly();
        }
        try (Shard shard = open(4)) {
            assertThat(shard.wasRecovered()).isTrue();
            assertThat(shard.get(id("a"))).containsExactly(Vectors.of(4, 0));
            assertThat(shard.get(id("b"))).isNull();
            assertThat(shard.stats().liveCount()).isEqualTo(1);
            assertThat(shard.checkpoint().sourceOffset()).isZero();
            // Replay re-derives the first run's outcomes exactly.
            assertThat(shard.apply(Mutation.update("a", Vectors.of(4, 1), 1), id("a"))).isEqualTo(Mutation.Outcome.APPLIED);
            assertThat(shard.apply(Mutation.store("b", Vectors.of(4, 2), 2), id("b"))).isEqualTo(Mutation.Outcome.APPLIED);
        }
    }

    @Test
    void reopensExactlyAtTheLastCommitAfterACrashWithAndWithoutAnIndexSnapshot() throws Exception {
        Random random = new Random(42);
        StoreOptions snapshotOften = options.withIndexSnapshotBytes(4096);
        for (StoreOptions with : List.of(options, snapshotOften)) {
            Files.deleteIfExists(file());
            IndexSnapshot.delete(with.fileIO(), file());
            ExpectedDatabase committed = new ExpectedDatabase();
            Map<String, List<Float>> expected;
            long offset = 0;
            try (Shard shard = open(16, with)) {
                for (int round = 0; round < 5; round++) {
                    for (int i = 0; i < 200; i++) {
                        Mutation m = Mutations.random(random, 150, 16, offset++);
                        shard.apply(m, id(m.id()));
                        Mutations.applyTo(committed, m);
                    }
                    shard.commit(offset - 1);
                }
                expected = ShardContents.comparable(committed.live());
                for (int i = 0; i < 100; i++) {
                    Mutation m = Mutations.random(random, 150, 16, offset++);
                    shard.apply(m, id(m.id()));
                }
                shard.releaseQuietly();
            }
            try (Shard shard = open(16, with)) {
                assertThat(visible(shard)).isEqualTo(expected);
                assertThat(shard.stats().liveCount()).isEqualTo(expected.size());
            }
        }
    }

    @Test
    void aCleanCloseLeavesASnapshotSoTheNextOpenReadsNoLog() throws Exception {
        try (Shard shard = open(4)) {
            for (int i = 0; i < 300; i++) {
                shard.apply(Mutation.store("id-" + i, Vectors.of(4, i), i), id("id-" + i));
            }
            shard.commit(299);
        }
        assertThat(IndexSnapshot.fileOf(file())).exists();
        try (Shard shard = open(4)) {
            assertThat(shard.wasRecovered()).isFalse();
            assertThat(shard.get(id("id-123"))).containsExactly(Vectors.of(4, 123));
            assertThat(shard.stats().liveCount()).isEqualTo(300);
            assertThat(shard.stats().indexCapacity()).isGreaterThanOrEqualTo(512);
        }
    }

    @Test
    void aSnapshotOfAnotherLogIsIgnored() throws Exception {
        try (Shard shard = open(4)) {
            shard.apply(Mutation.store("a", Vectors.of(4, 1), 0), id("a"));
            shard.commit(0);
        }
        Path saved = dir.resolve("saved.index");
        Files.copy(IndexSnapshot.fileOf(file()), saved);
        Files.delete(file());
        try (Shard shard = open(4)) {
            shard.apply(Mutation.store("b", Vectors.of(4, 2), 0), id("b"));
            shard.commit(0);
            shard.releaseQuietly();
        }
        Files.copy(saved, IndexSnapshot.fileOf(file()), StandardCopyOption.REPLACE_EXISTING);
        try (Shard shard = open(4)) {
            assertThat(shard.get(id("a"))).isNull();
            assertThat(shard.get(id("b"))).containsExactly(Vectors.of(4, 2));
        }
    }

    @Test
    void compactionKeepsTheStateAndTombstonesAndReclaimsSupersededRecords() throws Exception {
        ExpectedDatabase model = new ExpectedDatabase();
        long offset = 0;
        long before;
        try (Shard shard = open(32)) {
            for (int round = 0; round < 10; round++) {
                for (int i = 0; i < 100; i++) {
                    Mutation m = round % 3 == 2 && i % 4 == 0 ? Mutation.delete("id-" + i, offset++)
                            : Mutation.store("id-" + i, Vectors.of(32, offset), offset++);
                    shard.apply(m, id(m.id()));
                    Mutations.applyTo(model, m);
                }
            }
            shard.commit(offset - 1);
            before = shard.stats().logBytes();
            assertThat(shard.stats().garbageBytes()).isGreaterThan(before / 2);
            shard.compact();
            assertThat(shard.stats().logBytes()).isLessThan(before / 5);
            assertThat(shard.stats().garbageBytes()).isZero();
            assertThat(visible(shard)).isEqualTo(ShardContents.comparable(model.live()));
            // A tombstone keeps its offset: replaying an older store of a deleted id is a no-op.
            assertThat(shard.apply(Mutation.store("id-0", Vectors.of(32, 1), 5), id("id-0"))).isEqualTo(Mutation.Outcome.SKIPPED_STALE);
            shard.apply(Mutation.store("new", Vectors.of(32, 7), offset), id("new"));
            model.store("new", Vectors.of(32, 7));
            shard.commit(offset);
            shard.releaseQuietly();
        }
        try (Shard shard = open(32)) {
            assertThat(visible(shard)).isEqualTo(ShardContents.comparable(model.live()));
            assertThat(shard.checkpoint().sourceOffset()).isEqualTo(offset);
        }
    }

    @Test
    void aCommitMakesCompactionDueOnceTheLogIsMostlySuperseded() throws Exception {
        StoreOptions eager = options.withCompaction(64 * 1024, 0.5);
        try (Shard shard = open(64, eager)) {
            boolean due = false;
            int i = 0;
            for (; i < 2000 && !due; i++) {
                shard.apply(Mutation.store("id-" + (i % 10), Vectors.of(64, i), i), id("id-" + (i % 10)));
                if (i % 100 == 99) {
                    shard.commit(i);
                    due = shard.compactionDue();
                }
            }
            assertThat(due).as("due after %d stores of 10 ids", i).isTrue();
            assertThat(shard.stats().logBytes()).isGreaterThanOrEqualTo(64 * 1024);
            assertThat(shard.compact()).isTrue();
            assertThat(shard.compactionDue()).isFalse();
            assertThat(shard.stats().logBytes()).isLessThan(20 * 300 + ShardFormat.FIRST_RECORD);
            int lastOfId3 = i - 1;
            while (lastOfId3 % 10 != 3) {
                lastOfId3--;
            }
            assertThat(shard.get(id("id-3"))).containsExactly(Vectors.of(64, lastOfId3));
        }
    }

    @Test
    void writesDuringACompactionsCopyAreCarriedIntoTheNewFileCommittedOrNot() throws Exception {
        ExpectedDatabase committed = new ExpectedDatabase();
        ExpectedDatabase applied = new ExpectedDatabase();
        long[] offset = {0};
        try (Shard shard = open(8)) {
            for (; offset[0] < 300; offset[0]++) {
                Mutation m = Mutation.store("id-" + offset[0] % 50, Vectors.of(8, offset[0]), offset[0]);
                shard.apply(m, id(m.id()));
                Mutations.applyTo(committed, m);
                Mutations.applyTo(applied, m);
            }
            shard.commit(offset[0] - 1);
            boolean compacted = shard.compact(() -> {
                try {
                    // Committed during the copy, then more that stays uncommitted.
                    for (int i = 0; i < 40; i++, offset[0]++) {
                        Mutation m = i % 5 == 0 ? Mutation.delete("id-" + i, offset[0])
                                : Mutation.store("late-" + i, Vectors.of(8, offset[0]), offset[0]);
                        shard.apply(m, id(m.id()));
                        Mutations.applyTo(applied, m);
                        if (i < 30) {
                            Mutations.applyTo(committed, m);
                        }
                        if (i == 29) {
                            shard.commit(offset[0]);
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            assertThat(compacted).isTrue();
            assertThat(visible(shard)).isEqualTo(ShardContents.comparable(applied.live()));
            assertThat(shard.stats().logBytes()).isLessThan(300L * ShardFormat.recordLength(32, 6));
            shard.releaseQuietly(); // a crash: the uncommitted tail is gone, the commit made during the copy is not
        }
        try (Shard shard = open(8)) {
            assertThat(visible(shard)).isEqualTo(ShardContents.comparable(committed.live()));
            assertThat(shard.checkpoint().sourceOffset()).isEqualTo(300 + 29);
        }
    }

    @Test
    void theIndexGrowsInMemoryWithoutMovingRecords() throws Exception {
        try (Shard shard = open(4)) {
            List<Mutation> batch = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                batch.add(Mutation.store("id-" + i, Vectors.of(4, i), i));
            }
            long end = ShardFormat.FIRST_RECORD + 5000L * ShardFormat.recordLength(16, 0);
            shard.applyAll(batch, m -> id(m.id()));
            shard.commit(4999);
            assertThat(shard.stats().indexCapacity()).isGreaterThanOrEqualTo(8192);
            for (int i = 0; i < 5000; i += 499) {
                assertThat(shard.get(id("id-" + i))).containsExactly(Vectors.of(4, i));
            }
            assertThat(shard.stats().logBytes()).isGreaterThan(end);
        }
    }

    @Test
    void aFormatOneShardIsMigratedOnOpenWithItsOffsetsAndDeletes() throws Exception {
        // Format 1, closed cleanly: id-0..id-5 stored at 0..5, id-1 and id-3 deleted (6, 7), id-2 updated (8),
        // id-3 stored again (9), id-5 deleted (10), committed at 10 (src/test/resources/format1/README.md).
        FormatOneFixtures.copy("clean", file());
        try (Shard shard = open(4)) {
            assertThat(shard.get(id("id-0"))).containsExactly(Vectors.of(4, 1));
            assertThat(shard.get(id("id-2"))).containsExactly(Vectors.of(4, 20));
            assertThat(shard.get(id("id-3"))).containsExactly(Vectors.of(4, 30));
            assertThat(shard.get(id("id-1"))).isNull();
            assertThat(shard.checkpoint().sourceOffset()).isEqualTo(10);
            assertThat(shard.stats().liveCount()).isEqualTo(4);
            assertThat(shard.stats().deletedCount()).isEqualTo(2);
            assertThat(shard.apply(Mutation.store("id-1", Vectors.of(4, 9), 1), id("id-1"))).isEqualTo(Mutation.Outcome.SKIPPED_STALE);
            assertThat(shard.apply(Mutation.update("id-2", Vectors.of(4, 9), 7), id("id-2"))).isEqualTo(Mutation.Outcome.SKIPPED_STALE);
        }
        assertThat(ShardFormat.version(file(), Files.readAllBytes(file()))).isEqualTo(2);
    }

    @Test
    void aShardOfAnotherDimensionIsRefusedWithTheFix() throws Exception {
        try (Shard shard = open(4)) {
            shard.commit(-1);
        }
        assertThatThrownBy(() -> open(8)).isInstanceOf(CorruptShardException.class)
                .hasMessageContaining("dimension 4").hasMessageContaining("dimension 8");
    }

    @Test
    void aLockFreeViewSeesExactlyTheLastCommit() throws Exception {
        try (Shard shard = open(4, options.withIndexSnapshotBytes(4096))) {
            for (int i = 0; i < 400; i++) {
                shard.apply(Mutation.store("id-" + i, Vectors.of(4, i), i), id("id-" + i));
            }
            shard.commit(399);
            shard.apply(Mutation.update("id-1", Vectors.of(4, 1000), 400), id("id-1"));
            shard.apply(Mutation.store("late", Vectors.of(4, 1001), 401), id("late"));
            shard.forceDirty();
            try (ShardView view = ShardView.open("db/s-0.jvdb", file(), options)) {
                assertThat(view.get(id("id-1"))).containsExactly(Vectors.of(4, 1));
                assertThat(view.get(id("late"))).isNull();
                Map<String, float[]> seen = new HashMap<>();
                assertThat(view.scan(seen::put)).isZero();
                assertThat(seen).hasSize(400);
            }
        }
    }

    @Test
    void compactingALogWithNoRecordsLeavesAShardThatOpens() throws Exception {
        try (Shard shard = open(4)) {
            shard.commit(-1);
            shard.compact();
        }
        try (Shard shard = open(4)) {
            assertThat(shard.stats().liveCount()).isZero();
            assertThat(shard.stats().logBytes()).isEqualTo(ShardFormat.FIRST_RECORD);
        }
    }

    @Test
    void aLargeIndexIsSnapshottedInTheBackgroundAndTheNextOpenStartsFromIt() throws Exception {
        StoreOptions background = TestOptions.withBackgroundSnapshotEntries(options.withIndexSnapshotBytes(4096), 64);
        try (Shard shard = open(4, background)) {
            for (int i = 0; i < 2000; i++) {
                shard.apply(Mutation.store("id-" + i, Vectors.of(4, i), i), id("id-" + i));
                if (i % 200 == 199) {
                    shard.commit(i);
                }
            }
            shard.apply(Mutation.store("late", Vectors.of(4, 1), 2000), id("late"));
            shard.releaseQuietly(); // a crash; it waits for a snapshot in flight, as the lock is released
        }
        assertThat(IndexSnapshot.fileOf(file())).exists();
        try (Shard shard = open(4, background)) {
            assertThat(shard.stats().liveCount()).isEqualTo(2000);
            assertThat(shard.get(id("id-1999"))).containsExactly(Vectors.of(4, 1999));
            assertThat(shard.get(id("late"))).isNull();
        }
        try (ShardView view = ShardView.open("db/s-0.jvdb", file(), options)) {
            assertThat(view.snapshotEnd()).as("the snapshot covers most of the log").isGreaterThan(ShardFormat.FIRST_RECORD);
        }
    }

    @Test
    void aGrowthMovesEntriesOverTheNextMutationsWhileEveryIdStaysReadableAndWritable() throws Exception {
        ExpectedDatabase model = new ExpectedDatabase();
        long offset = 0;
        try (Shard shard = open(4)) {
            for (; offset < 48; offset++) { // 48 ids fill a 64-entry table to its load limit
                Mutation m = Mutation.store("id-" + offset, Vectors.of(4, offset), offset);
                shard.apply(m, id(m.id()));
                Mutations.applyTo(model, m);
            }
            shard.apply(Mutation.store("new", Vectors.of(4, 100), offset), id("new"));
            model.store("new", Vectors.of(4, 100));
            offset++;
            assertThat(shard.index().growing()).as("the growth has started and moves entries over later mutations").isTrue();
            for (int i = 0; i < 48; i++) {
                assertThat(shard.get(id("id-" + i))).as("id-%d during the growth", i).containsExactly(Vectors.of(4, i));
            }
            // Ids still in the old table: updated, deleted, stored again, and stale replays skipped.
            for (int i = 0; i < 48 && shard.index().growing(); i += 3) {
                Mutation m = i % 2 == 0 ? Mutation.update("id-" + i, Vectors.of(4, 1000 + i), offset++)
                        : Mutation.delete("id-" + i, offset++);
                assertThat(shard.apply(m, id(m.id()))).isEqualTo(Mutation.Outcome.APPLIED);
                Mutations.applyTo(model, m);
                assertThat(shard.apply(Mutation.store("id-" + i, Vectors.of(4, 9), i), id("id-" + i)))
                        .isEqualTo(Mutation.Outcome.SKIPPED_STALE);
            }
            assertThat(shard.stats().liveCount()).isEqualTo(model.live().size());
            shard.commit(offset - 1);
            assertThat(visible(shard)).isEqualTo(ShardContents.comparable(model.live()));
            assertThat(shard.index().growing()).as("a scan completes the growth").isFalse();
            shard.releaseQuietly();
        }
        try (Shard shard = open(4)) {
            assertThat(visible(shard)).isEqualTo(ShardContents.comparable(model.live()));
            assertThat(shard.stats().deletedCount()).isEqualTo(model.deleted().size()).isPositive();
        }
    }

    /**
     * Issue 15, finding 1: the write of a batch's gathered records fails once (EIO, ENOSPC on an
     * allocate-on-write file system, an interrupt). It must fail the shard, not be reported as a
     * retryable "cannot grow" over records the index already points at: a retry then skipped them
     * as stale, the commit returned, and the reopen met zeros ("record at 4096 ... length 0").
     */
    @Test
    void aFailedWriteOfGatheredRecordsFailsTheShardAndReplayRestoresEveryRecord() throws Exception {
        boolean[] failNext = {false};
        FileIO failing = new ForwardingFileIO() {
            @Override
            public FileChannel open(Path path, OpenOption... options) throws IOException {
                return new ForwardingFileChannel(super.open(path, options)) {
                    @Override
                    public int write(ByteBuffer src, long position) throws IOException {
                        if (failNext[0] && position == ShardFormat.FIRST_RECORD) {
                            failNext[0] = false;
                            throw new IOException("injected: write of gathered records failed (EIO)");
                        }
                        return super.write(src, position);
                    }
                };
            }
        };
        List<Mutation> batch = new ArrayList<>();
        for (int i = 0; i < 300; i++) { // more than the first growth step holds: the batch grows the log
            batch.add(Mutation.store("k" + i, Vectors.of(8, i), i));
        }
        Shard shard = open(8, TestOptions.withFileIO(options, failing));
        failNext[0] = true;
        assertThatThrownBy(() -> shard.applyAll(batch, m -> id(m.id()))).isInstanceOf(ShardFailedException.class)
                .hasMessageContaining("db/s-0.jvdb").hasMessageContaining("replay");
        assertThat(shard.isFailed()).isTrue();
        assertThat(failNext[0]).as("the injected failure was hit").isFalse();
        try (Shard reopened = open(8)) {
            assertThat(reopened.stats().liveCount()).as("nothing was committed").isZero();
            assertThat(reopened.applyAll(batch, m -> id(m.id()))).containsOnly(Mutation.Outcome.APPLIED);
            reopened.commit(299);
        }
        try (Shard reopened = open(8)) {
            assertThat(reopened.stats().liveCount()).isEqualTo(300);
            assertThat(reopened.get(id("k0"))).containsExactly(Vectors.of(8, 0));
            assertThat(reopened.get(id("k299"))).containsExactly(Vectors.of(8, 299));
        }
    }

    /**
     * A full disk refuses a whole batch before any of it is applied, so the retry (the
     * connector's, once space is freed) gives every mutation its first outcome; a refusal
     * half way through the batch would make the retry skip the first half as stale.
     */
    @Test
    void diskFullRefusesAWholeBatchWithNothingAppliedAndTheRetryGivesTheFirstOutcomes() throws Exception {
        boolean[] full = {false};
        Preallocator preallocator = (path, channel, oldLength, newLength) -> {
            if (full[0]) {
                throw new IOException("injected: No space left on device");
            }
            Preallocator.ZERO_FILL.extend(path, channel, oldLength, newLength);
        };
        List<Mutation> batch = new ArrayList<>();
        for (int i = 0; i < 300; i++) { // more than the first growth step holds
            batch.add(i % 3 == 2 ? Mutation.update("k" + (i - 1), Vectors.of(8, -i), i) : Mutation.store("k" + i, Vectors.of(8, i), i));
        }
        try (Shard shard = open(8, options.withPreallocator(preallocator))) {
            full[0] = true;
            assertThatThrownBy(() -> shard.applyAll(batch, m -> id(m.id()))).isNotInstanceOf(ShardFailedException.class)
                    .hasMessageContaining("cannot grow").hasMessageContaining("db/s-0.jvdb");
            assertThat(shard.isFailed()).isFalse();
            assertThat(shard.stats().liveCount()).as("nothing of the batch applied").isZero();
            full[0] = false;
            assertThat(shard.applyAll(batch, m -> id(m.id()))).containsOnly(Mutation.Outcome.APPLIED);
            shard.commit(299);
            assertThat(shard.stats().liveCount()).isEqualTo(200);
        }
    }
}
