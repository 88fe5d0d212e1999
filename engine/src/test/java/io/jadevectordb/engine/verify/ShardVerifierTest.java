package io.jadevectordb.engine.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.FormatOneFixtures;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.TestOptions;
import io.jadevectordb.engine.Vectors;
import io.jadevectordb.engine.crash.ForwardingFileIO;
import io.jadevectordb.engine.format.Checkpoint;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.IdTable;
import io.jadevectordb.engine.index.IndexSnapshot;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.shard.Shard;
import io.jadevectordb.engine.verify.ShardProblem.Severity;
import io.jadevectordb.engine.verify.ShardReport.CheckpointCopy;

/** Each check of the format 2 verifier, shown to fire on a file damaged by hand. */
class ShardVerifierTest {

    private static final String NAME = "db/v-0.jvdb";

    @TempDir
    Path dir;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO);

    private Path file() {
        return dir.resolve("v-0.jvdb");
    }

    private Path snapshot() {
        return IndexSnapshot.fileOf(file());
    }

    /**
     * Ids a..j stored at offsets 0..9, c and f deleted at 10 and 11, a stored again at 12
     * (its first record becomes garbage); committed at 12 and closed cleanly, which writes the
     * index snapshot.
     */
    private Path cleanShard() throws Exception {
        try (Shard shard = Shard.openForWrite(NAME, file(), 4, 16, options)) {
            for (int i = 0; i < 10; i++) {
                String id = String.valueOf((char) ('a' + i));
                shard.apply(Mutation.store(id, Vectors.of(4, i), i), ShardFormat.idBytes(id));
            }
            shard.apply(Mutation.delete("c", 10), ShardFormat.idBytes("c"));
            shard.apply(Mutation.delete("f", 11), ShardFormat.idBytes("f"));
            shard.apply(Mutation.store("a", Vectors.of(4, 12), 12), ShardFormat.idBytes("a"));
            shard.commit(12);
        }
        return file();
    }

    private ShardReport verify() throws Exception {
        return ShardVerifier.verify(NAME, file(), options);
    }

    private static List<String> faultTexts(ShardReport report) {
        return report.faults().stream().map(ShardProblem::toString).toList();
    }

    @Test
    void aCleanFileAndItsSnapshotPassEveryCheck() throws Exception {
        cleanShard();
        assertThat(snapshot()).exists();
        ShardReport report = verify();
        assertThat(report.problems()).isEmpty();
        assertThat(report.formatVersion()).isEqualTo(2);
        assertThat(report.records()).isEqualTo(13);
        assertThat(report.entries()).isEqualTo(10);
        assertThat(report.checkpointA().state()).isEqualTo(CheckpointCopy.State.VALID);
        assertThat(report.checkpointB().state()).isEqualTo(CheckpointCopy.State.VALID);
        assertThat(report.checkpoint().clean()).isTrue();
        assertThat(report.checkpoint().sourceOffset()).isEqualTo(12);
        assertThat(report.checkpoint().liveCount()).isEqualTo(8);
        // Superseded: a's first STORE, and the STOREs of c and f that their tombstones replaced.
        assertThat(report.checkpoint().garbageBytes()).isEqualTo(3L * ShardFormat.recordLength(16, 1));
    }

    @Test
    void aDamagedStaticHeaderIsAFaultNamingTheHeader() throws Exception {
        ShardFileBytes s = ShardFileBytes.load(cleanShard());
        s.bytes[12] ^= 1; // max id bytes, checksum not fixed
        s.save();
        ShardReport report = verify();
        assertThat(report.faults()).singleElement().satisfies(f -> {
            assertThat(f.where()).isEqualTo("header");
            assertThat(f.fault()).contains("static header checksum mismatch").contains("v-0.jvdb");
        });
    }

    @Test
    void aFlippedByteInACommittedRecordIsAFaultNamingItsPosition() throws Exception {
        ShardFileBytes s = ShardFileBytes.load(cleanShard());
        long position = s.newestRecords().get("d");
        s.bytes[(int) position + ShardFormat.RECORD_HEADER + 5] ^= 1; // a vector byte
        s.save();
        ShardReport report = verify();
        // The walk stops at the damage: what follows cannot be located, so nothing else is judged.
        assertThat(report.faults()).singleElement().satisfies(f -> {
            assertThat(f.where()).isEqualTo("record at " + position);
            assertThat(f.position()).isEqualTo(position);
            assertThat(f.fault()).contains("checksum mismatch").contains("generation " + s.checkpoint().generation())
                    .contains("restore it from a backup");
        });
    }

    @Test
    void anImpossibleRecordLengthIsAFault() throws Exception {
        ShardFileBytes s = ShardFileBytes.load(cleanShard());
        long position = s.newestRecords().get("b");
        s.b.putInt((int) position, 13);
        s.save();
        assertThat(faultTexts(verify())).singleElement().asString()
                .contains("record at " + position).contains("length 13 is impossible");
    }

    @Test
    void recordsPastTheCommittedLogEndAreNotFaults() throws Exception {
        cleanShard();
        Shard crashed = Shard.openForWrite(NAME, file(), 4, 16, options);
        crashed.apply(Mutation.store("late", Vectors.of(4, 20), 20), ShardFormat.idBytes("late"));
        crashed.apply(Mutation.delete("a", 21), ShardFormat.idBytes("a"));
        crashed.forceDirty(); // forced, never committed
        crashed.releaseQuietly();
        ShardFileBytes s = ShardFileBytes.load(file());
        long end = s.checkpoint().logEnd();
        for (int i = 0; i < 40; i++) {
            s.bytes[(int) end + i] ^= 0x5a; // and the uncommitted tail torn on top
        }
        s.save();
        ShardReport report = verify();
        assertThat(report.faults()).isEmpty();
        assertThat(report.records()).isEqualTo(13);
        assertThat(report.notes()).anySatisfy(n -> assertThat(n.fault()).contains("not closed cleanly")
                .contains("log end " + end));
    }

    @Test
    void aTornNonCurrentCheckpointCopyIsANoteAndTheOtherIsUsed() throws Exception {
        ShardFileBytes s = ShardFileBytes.load(cleanShard());
        Checkpoint newest = s.checkpoint();
        int olderCopy = newest.headerOffset() == 512 ? 1024 : 512;
        s.bytes[olderCopy + 8] ^= 0x40;
        s.save();
        ShardReport report = verify();
        assertThat(report.hasFaults()).isFalse();
        CheckpointCopy torn = olderCopy == 512 ? report.checkpointA() : report.checkpointB();
        assertThat(torn.state()).isEqualTo(CheckpointCopy.State.INVALID);
        assertThat(report.notes()).singleElement().satisfies(n -> {
            assertThat(n.where()).isEqualTo("checkpoint " + torn.label());
            assertThat(n.fault()).contains("generation " + newest.generation());
        });
    }

    @Test
    void twoInvalidCheckpointCopiesAreAFault() throws Exception {
        ShardFileBytes s = ShardFileBytes.load(cleanShard());
        s.bytes[512 + 8] ^= 1;
        s.bytes[1024 + 8] ^= 1;
        s.save();
        assertThat(faultTexts(verify())).singleElement().asString().contains("neither checkpoint copy is valid");
    }

    @Test
    void countsInTheCheckpointThatTheLogDoesNotHoldAreAFault() throws Exception {
        ShardFileBytes s = ShardFileBytes.load(cleanShard());
        Checkpoint c = s.checkpoint();
        s.putCheckpoint(new Checkpoint(c.generation(), c.sourceOffset(), c.logEnd(), c.liveCount() + 1, c.deletedCount(),
                c.clean(), c.entryHighWater(), c.garbageBytes(), c.released()));
        s.save();
        assertThat(verify().faults()).singleElement().satisfies(f -> {
            assertThat(f.where()).isEqualTo("counts");
            assertThat(f.fault()).contains("holds 8 live ids, 2 deleted").contains("generation " + c.generation() + " says 9, 2");
        });
    }

    @Test
    void aTruncatedLogIsAFault() throws Exception {
        cleanShard();
        long end = ShardFileBytes.load(file()).checkpoint().logEnd();
        try (FileChannel channel = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            channel.truncate(end - 8);
        }
        assertThat(faultTexts(verify())).singleElement().asString().contains("truncated").contains("log end " + end);
    }

    @Test
    void aDamagedSnapshotTableIsAFaultAndTheWrongEntryIsNamed() throws Exception {
        cleanShard();
        ShardFileBytes s = ShardFileBytes.snapshotOf(file());
        int at = s.entryOf("b");
        s.b.putLong(at + 16, 99); // the entry's source offset; checksums not fixed
        s.save();
        long position = ShardFileBytes.load(file()).newestRecords().get("b");
        ShardReport report = verify();
        assertThat(report.faults()).hasSize(2);
        assertThat(report.faults().get(0).fault()).contains("table checksum mismatch");
        assertThat(report.faults().get(1)).satisfies(f -> {
            assertThat(f.file()).isEqualTo(snapshot());
            assertThat(f.where()).isEqualTo("snapshot entry " + ShardFileBytes.entryIndex(at) + " (record at " + position + ")");
            assertThat(f.fault()).contains("id 'b': source offset 99").contains("the log says 1,").contains("delete " + snapshot());
        });
    }

    @Test
    void aSnapshotEntryThatDisagreesWithTheLogIsAFaultEvenWithValidChecksums() throws Exception {
        cleanShard();
        ShardFileBytes s = ShardFileBytes.snapshotOf(file());
        int at = s.entryOf("c");
        s.b.putInt(at + 24, IdTable.FLAG_OCCUPIED); // c was deleted; the snapshot now says live
        s.fixSnapshotChecksums();
        s.save();
        assertThat(faultTexts(verify())).singleElement().asString().contains("snapshot entry " + ShardFileBytes.entryIndex(at))
                .contains("id 'c': source offset 10, flags 1").contains("the log says 10, 3,");
    }

    @Test
    void anIdMissingFromTheSnapshotIsAFault() throws Exception {
        cleanShard();
        ShardFileBytes s = ShardFileBytes.snapshotOf(file());
        int at = s.entryOf("e");
        Arrays.fill(s.bytes, at, at + IdTable.ENTRY_SIZE, (byte) 0);
        s.fixSnapshotChecksums();
        s.save();
        assertThat(faultTexts(verify())).anySatisfy(f -> assertThat(f).contains("id 'e'").contains("is missing from the snapshot"));
    }

    @Test
    void snapshotCountsThatTheLogDoesNotHoldAreAFault() throws Exception {
        cleanShard();
        ShardFileBytes s = ShardFileBytes.snapshotOf(file());
        s.b.putLong(40, 7); // deleted count
        s.fixSnapshotHeaderChecksum();
        s.save();
        assertThat(verify().faults()).singleElement().satisfies(f -> {
            assertThat(f.where()).isEqualTo("snapshot counts");
            assertThat(f.fault()).contains("says 8 live, 7 deleted");
        });
    }

    @Test
    void aSnapshotHeaderChecksumMismatchIsAFault() throws Exception {
        cleanShard();
        ShardFileBytes s = ShardFileBytes.snapshotOf(file());
        s.bytes[33] ^= 1;
        s.save();
        assertThat(faultTexts(verify())).singleElement().asString().contains("v-0.jvdb.index").contains("header checksum mismatch");
    }

    @Test
    void aSnapshotCoveringMoreThanTheCommittedLogIsAFault() throws Exception {
        cleanShard();
        long end = ShardFileBytes.load(file()).checkpoint().logEnd();
        ShardFileBytes s = ShardFileBytes.snapshotOf(file());
        s.b.putLong(16, end + 8);
        s.fixSnapshotHeaderChecksum();
        s.save();
        assertThat(faultTexts(verify())).singleElement().asString().contains("covers the log up to " + (end + 8))
                .contains("not a position in the committed log");
    }

    @Test
    void aSnapshotOfAnotherLogIsANoteBecauseTheNextOpenIgnoresIt() throws Exception {
        cleanShard();
        ShardFileBytes s = ShardFileBytes.snapshotOf(file());
        s.bytes[8] ^= 1; // log id
        s.fixSnapshotHeaderChecksum();
        s.save();
        ShardReport report = verify();
        assertThat(report.faults()).isEmpty();
        assertThat(report.notes()).singleElement().satisfies(n -> assertThat(n.fault()).contains("indexes log id")
                .contains("reads the whole log"));
    }

    @Test
    void aFormatOneFileIsOneNoteSayingHowToUpgradeIt() throws Exception {
        FormatOneFixtures.copy("clean", file());
        ShardReport report = verify();
        assertThat(report.formatVersion()).isEqualTo(1);
        assertThat(report.problems()).singleElement().satisfies(n -> {
            assertThat(n.severity()).isEqualTo(Severity.NOTE);
            assertThat(n.fault()).contains("format 1").contains("jvdb migrate db").contains("start the sink");
        });
    }

    @Test
    void aCommitDuringTheCheckIsFollowedByACheckOfTheNewState() throws Exception {
        cleanShard();
        try (Shard writer = Shard.openForWrite(NAME, file(), 4, 16, options)) {
            AtomicBoolean fired = new AtomicBoolean();
            // The first time the verifier maps the file, the writer commits one more id.
            FileIO committingOnce = new ForwardingFileIO() {
                @Override
                public FileChannel open(Path path, OpenOption... opts) throws IOException {
                    FileChannel channel = super.open(path, opts);
                    if (path.equals(file()) && fired.compareAndSet(false, true)) {
                        writer.apply(Mutation.store("k", Vectors.of(4, 13), 13), ShardFormat.idBytes("k"));
                        writer.commit(13);
                    }
                    return channel;
                }
            };
            ShardReport report = ShardVerifier.verify(NAME, file(), TestOptions.withFileIO(options, committingOnce));
            assertThat(fired).isTrue();
            assertThat(report.faults()).isEmpty();
            assertThat(report.checkpoint().sourceOffset()).isEqualTo(13);
            assertThat(report.entries()).isEqualTo(11);
        }
    }
}
