package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jadevectordb.engine.ShardProblem.Severity;
import io.jadevectordb.engine.ShardReport.CheckpointCopy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each fault the verifier knows, produced by damaging a real file on purpose. */
class ShardVerifierTest {

    private static final String NAME = "db/v-0.jvdb";

    @TempDir
    Path dir;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO);

    private Path file() {
        return dir.resolve("v-0.jvdb");
    }

    /** Ten ids a..j at offsets 0..9, c and f deleted at 10 and 11, committed at 11, closed cleanly. */
    private Path cleanShard() throws Exception {
        try (Shard shard = Shard.openForWrite(NAME, file(), 4, 16, options)) {
            for (int i = 0; i < 10; i++) {
                String id = String.valueOf((char) ('a' + i));
                shard.apply(Mutation.store(id, Vectors.of(4, i), i), ShardFormat.idBytes(id));
            }
            shard.apply(Mutation.delete("c", 10), ShardFormat.idBytes("c"));
            shard.apply(Mutation.delete("f", 11), ShardFormat.idBytes("f"));
            shard.commit(11);
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
    void aCleanFilePassesWithBothCheckpointCopiesValid() throws Exception {
        cleanShard();
        ShardReport report = verify();
        assertThat(report.problems()).isEmpty();
        assertThat(report.entries()).isEqualTo(10);
        assertThat(report.checkpointA().state()).isEqualTo(CheckpointCopy.State.VALID);
        assertThat(report.checkpointB().state()).isEqualTo(CheckpointCopy.State.VALID);
        assertThat(report.checkpoint().clean()).isTrue();
        assertThat(report.checkpoint().sourceOffset()).isEqualTo(11);
        assertThat(Math.abs(report.checkpointA().checkpoint().generation() - report.checkpointB().checkpoint().generation())).isEqualTo(1);
    }

    @Test
    void aDamagedStaticHeaderIsAFaultNamingTheHeader() throws Exception {
        ShardBytes s = ShardBytes.load(cleanShard());
        s.bytes[12] ^= 1; // max id bytes, checksum not fixed
        s.save();
        ShardReport report = verify();
        assertThat(report.hasFaults()).isTrue();
        assertThat(report.faults().get(0).where()).isEqualTo("header");
        assertThat(report.faults().get(0).fault()).contains("static header checksum mismatch").contains("v-0.jvdb");
    }

    @Test
    void oneTornCheckpointCopyIsANoteAndTheOtherIsUsed() throws Exception {
        ShardBytes s = ShardBytes.load(cleanShard());
        Checkpoint newest = Checkpoint.newest(NAME, s.bytes);
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
        ShardBytes s = ShardBytes.load(cleanShard());
        s.bytes[512 + 8] ^= 1;
        s.bytes[1024 + 8] ^= 1;
        s.save();
        assertThat(faultTexts(verify())).singleElement().asString().contains("neither checkpoint copy is valid");
    }

    @Test
    void anEntryChecksumMismatchInACleanFileIsAFaultNamingTheEntry() throws Exception {
        ShardBytes s = ShardBytes.load(cleanShard());
        int p = s.positionOf("b");
        s.bytes[s.entryAt(p) + 16] ^= 1; // source offset
        s.save();
        assertThat(faultTexts(verify())).anySatisfy(f -> assertThat(f)
                .contains("v-0.jvdb: entry " + p + ": entry checksum mismatch"));
    }

    @Test
    void aPayloadChecksumMismatchIsAFaultNamingEntrySlotAndId() throws Exception {
        ShardBytes s = ShardBytes.load(cleanShard());
        int p = s.positionOf("d");
        int slot = s.slot(p);
        s.bytes[s.slotAt(slot) + 5] ^= 1; // a vector byte
        s.save();
        assertThat(faultTexts(verify())).singleElement().asString()
                .contains("entry " + p + " (slot " + slot + "): payload checksum mismatch").contains("'d'");
    }

    @Test
    void anInsaneIdLengthIsAFault() throws Exception {
        ShardBytes s = ShardBytes.load(cleanShard());
        int p = s.positionOf("e");
        s.b.putShort(s.idPosition(s.slot(p)), (short) 999);
        s.save();
        assertThat(faultTexts(verify())).singleElement().asString().contains("entry " + p).contains("id length 999 is out of range 1..16");
    }

    @Test
    void anIdThatDoesNotHashToItsEntryIsAFault() throws Exception {
        ShardBytes s = ShardBytes.load(cleanShard());
        int p = s.positionOf("g");
        int slot = s.slot(p);
        s.bytes[s.idPosition(slot) + 2] = 'z'; // id "g" becomes "z", checksums made consistent
        s.writeEntry(p, s.hash(p), slot, s.flags(p), s.offset(p), s.computePayloadCrc(slot));
        s.save();
        assertThat(faultTexts(verify())).singleElement().asString().contains("entry " + p).contains("stored id 'z' hashes to");
    }

    @Test
    void aDuplicateIdIsAFault() throws Exception {
        ShardBytes s = ShardBytes.load(cleanShard());
        int pa = s.positionOf("a");
        int ph = s.positionOf("h");
        int slotH = s.slot(ph);
        // Slot of h now holds a copy of a's payload, and h's entry says so consistently.
        System.arraycopy(s.bytes, s.slotAt(s.slot(pa)), s.bytes, s.slotAt(slotH), s.slotSize());
        s.writeEntry(ph, s.hash(pa), slotH, s.flags(ph), s.offset(ph), s.payloadCrc(pa));
        s.save();
        assertThat(faultTexts(verify())).anySatisfy(f -> assertThat(f).contains("entry " + Math.max(pa, ph))
                .contains("id 'a' is also held by entry " + Math.min(pa, ph)));
    }

    @Test
    void twoEntriesSharingASlotAreAFault() throws Exception {
        ShardBytes s = ShardBytes.load(cleanShard());
        int pa = s.positionOf("a");
        int pi = s.positionOf("i");
        s.writeEntry(pi, s.hash(pa), s.slot(pa), s.flags(pi), s.offset(pi), s.payloadCrc(pa));
        s.save();
        assertThat(faultTexts(verify())).anySatisfy(f -> assertThat(f).contains("entry " + Math.max(pa, pi))
                .contains("shares slot " + s.slot(pa) + " with entry " + Math.min(pa, pi)));
    }

    @Test
    void anEntryCutOffFromItsProbeChainIsAFault() throws Exception {
        ShardBytes s = ShardBytes.load(cleanShard());
        int p = -1;
        for (int q : s.occupied()) {
            if (s.hash(q + 1) == 0 && s.hash(q + 2) == 0 && q + 2 < s.capacity() && (s.hash(q) & (s.capacity() - 1)) == q) {
                p = q;
                break;
            }
        }
        assertThat(p).as("an entry at its home position followed by two empty ones").isNotNegative();
        System.arraycopy(s.bytes, s.entryAt(p), s.bytes, s.entryAt(p + 2), 32);
        java.util.Arrays.fill(s.bytes, s.entryAt(p), s.entryAt(p) + 32, (byte) 0);
        s.save();
        int moved = p + 2;
        assertThat(faultTexts(verify())).singleElement().asString().contains("entry " + moved)
                .contains("stops at the empty entry " + p);
    }

    @Test
    void aSlotPastTheCheckpointInACleanFileIsAFault() throws Exception {
        ShardBytes s = ShardBytes.load(cleanShard());
        Checkpoint c = Checkpoint.newest(NAME, s.bytes);
        s.writeCheckpoint(c.next(c.sourceOffset(), c.slotCount() - 1, c.liveCount(), c.deletedCount(), true, c.entryHighWater()));
        s.save();
        assertThat(faultTexts(verify())).anySatisfy(f -> assertThat(f).contains("slot 9 is outside the checkpoint's slot count 9"));
    }

    @Test
    void countsThatDisagreeWithACleanCheckpointAreAFault() throws Exception {
        ShardBytes s = ShardBytes.load(cleanShard());
        Checkpoint c = Checkpoint.newest(NAME, s.bytes);
        s.writeCheckpoint(c.next(c.sourceOffset(), c.slotCount(), c.liveCount() + 1, c.deletedCount(), true, c.entryHighWater()));
        s.save();
        assertThat(faultTexts(verify())).singleElement().asString().contains("counts")
                .contains("the index holds 8 live and 2 deleted").contains("says 9 and 2");
    }

    @Test
    void entriesWrittenAfterTheCheckpointOfAFileInUseAreNotesNotFaults() throws Exception {
        cleanShard();
        try (Shard writer = Shard.openForWrite(NAME, file(), 4, 16, options)) {
            writer.apply(Mutation.store("new-1", Vectors.of(4, 100), 20), ShardFormat.idBytes("new-1"));
            writer.apply(Mutation.store("new-2", Vectors.of(4, 101), 21), ShardFormat.idBytes("new-2"));
            writer.apply(Mutation.delete("a", 22), ShardFormat.idBytes("a"));
            writer.forceDirty(); // the background flusher's step: entries reach the file, the checkpoint stays
            ShardReport report = verify();
            assertThat(report.hasFaults()).as("%s", report.problems()).isFalse();
            assertThat(report.checkpoint().clean()).isFalse();
            assertThat(report.notes()).anySatisfy(n -> assertThat(n.fault()).startsWith("2 entries").contains("written after the checkpoint"));
            assertThat(report.notes()).anySatisfy(n -> assertThat(n.where()).isEqualTo("counts"));
            writer.commit(22);
        }
        assertThat(verify().problems()).isEmpty();
    }

    @Test
    void aTornPayloadInAFileLeftByACrashIsANote() throws Exception {
        cleanShard();
        Shard writer = Shard.openForWrite(NAME, file(), 4, 16, options);
        writer.releaseQuietly(); // crash: the file stays unclean
        ShardBytes s = ShardBytes.load(file());
        int p = s.positionOf("b");
        s.bytes[s.slotAt(s.slot(p))] ^= 1;
        s.save();
        ShardReport report = verify();
        assertThat(report.hasFaults()).isFalse();
        assertThat(report.notes()).anySatisfy(n -> {
            assertThat(n.severity()).isEqualTo(Severity.NOTE);
            assertThat(n.where()).isEqualTo("entry " + p + " (slot " + s.slot(p) + ")");
            assertThat(n.fault()).contains("payload checksum mismatch");
        });
    }
}
