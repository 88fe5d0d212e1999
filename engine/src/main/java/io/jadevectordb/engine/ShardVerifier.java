package io.jadevectordb.engine;

import io.jadevectordb.engine.ShardProblem.Severity;
import io.jadevectordb.engine.ShardReport.CheckpointCopy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks one shard file without locking or modifying it (safe while a writer has it open):
 * the static header and its checksum, both checkpoint copies, and every index entry (entry
 * checksum, flags, slot below the checkpoint's slot count, id length, payload checksum, hash of
 * the stored id equal to the entry's hash, reachable from its home position, no duplicate id,
 * no two entries sharing a slot), then the live and deleted counts against the checkpoint.
 *
 * <p>A cleanly closed file must pass every check. A file whose newest checkpoint is unclean is
 * either open by a writer now or was left by a crash; there, what recovery resolves by design
 * is reported as a {@link Severity#NOTE}, not a fault: entries written after the checkpoint
 * (slots at or past its slot count), entries or payloads whose checksum fails (a torn write
 * after the checkpoint, or a write in progress), and counts that moved since the checkpoint.
 * Damage that recovery would not repair (a bad id length or a wrong id below the high-water
 * mark, duplicates, shared slots, broken probe chains) is a fault in either state.
 *
 * <p>When the checkpoint generation changes while the file is being checked (a writer opened
 * or committed it), the check is repeated against the new state.
 */
public final class ShardVerifier {

    private static final int ATTEMPTS = 3;
    private static final String DAMAGED = "the file is damaged: restore it from a backup, or move it away and replay "
            + "its partition from the earliest offset";
    private static final String RECOVERED = "expected after a crash or while a writer is active: the next writer open "
            + "recovers it and replay restores it";

    private ShardVerifier() {
    }

    /**
     * Verifies a shard file.
     *
     * @param name    {@code database/file}, for messages
     * @param file    the shard file
     * @param options only the mapping chunk size is used
     * @throws IOException when the file cannot be read at all (problems inside it are reported, not thrown)
     */
    public static ShardReport verify(String name, Path file, StoreOptions options) throws IOException {
        ShardReport report = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long before = newestGeneration(file);
            report = verifyOnce(name, file, options);
            if (newestGeneration(file) == before) {
                return report;
            }
        }
        List<ShardProblem> problems = new ArrayList<>(report.problems());
        problems.add(ShardProblem.of(Severity.NOTE, file, "checkpoint", "the checkpoint changed during each of "
                + ATTEMPTS + " checks: a writer is committing to this file; findings describe a moving target"));
        return new ShardReport(report.name(), file, report.checkpointA(), report.checkpointB(), report.checkpoint(),
                report.entries(), problems);
    }

    private static long newestGeneration(Path file) throws IOException {
        byte[] page = ShardFiles.readPrefix(file, ShardFormat.PAGE_SIZE);
        if (page.length < ShardFormat.PAGE_SIZE) {
            return -1;
        }
        Checkpoint a = Checkpoint.decode(page, ShardFormat.CHECKPOINT_A_OFFSET);
        Checkpoint b = Checkpoint.decode(page, ShardFormat.CHECKPOINT_B_OFFSET);
        return Math.max(a == null ? -1 : a.generation(), b == null ? -1 : b.generation());
    }

    private static ShardReport verifyOnce(String name, Path file, StoreOptions options) throws IOException {
        List<ShardProblem> problems = new ArrayList<>();
        byte[] page = ShardFiles.readPrefix(file, ShardFormat.PAGE_SIZE);
        CheckpointCopy unreadA = new CheckpointCopy("A", CheckpointCopy.State.UNREAD, null);
        CheckpointCopy unreadB = new CheckpointCopy("B", CheckpointCopy.State.UNREAD, null);
        try {
            ShardFormat.decode(file, page, Files.size(file));
        } catch (CorruptShardException e) {
            problems.add(ShardProblem.of(Severity.FAULT, file, "header", e.getMessage()));
            return new ShardReport(name, file, unreadA, unreadB, null, 0, problems);
        }
        CheckpointCopy a = copy("A", page, ShardFormat.CHECKPOINT_A_OFFSET);
        CheckpointCopy b = copy("B", page, ShardFormat.CHECKPOINT_B_OFFSET);
        if (a.state() != CheckpointCopy.State.VALID && b.state() != CheckpointCopy.State.VALID) {
            problems.add(ShardProblem.of(Severity.FAULT, file, "checkpoints", "neither checkpoint copy is valid (A at 512: "
                    + a.state() + ", B at 1024: " + b.state() + "); " + DAMAGED));
            return new ShardReport(name, file, a, b, null, 0, problems);
        }
        checkCopyPair(file, a, b, problems);
        ShardSnapshot snapshot;
        try {
            snapshot = ShardSnapshot.open(name, file, options);
        } catch (CorruptShardException e) {
            problems.add(ShardProblem.of(Severity.FAULT, file, "header", e.getMessage()));
            return new ShardReport(name, file, a, b, null, 0, problems);
        }
        try (snapshot) {
            long entries = new EntryChecks(snapshot, file, problems).run();
            return new ShardReport(name, file, a, b, snapshot.checkpoint(), entries, problems);
        }
    }

    private static CheckpointCopy copy(String label, byte[] page, int offset) {
        Checkpoint c = Checkpoint.decode(page, offset);
        if (c != null) {
            return new CheckpointCopy(label, CheckpointCopy.State.VALID, c);
        }
        for (int i = offset; i < offset + Checkpoint.SIZE; i++) {
            if (page[i] != 0) {
                return new CheckpointCopy(label, CheckpointCopy.State.INVALID, null);
            }
        }
        return new CheckpointCopy(label, CheckpointCopy.State.NEVER_WRITTEN, null);
    }

    private static void checkCopyPair(Path file, CheckpointCopy a, CheckpointCopy b, List<ShardProblem> problems) {
        for (CheckpointCopy copy : List.of(a, b)) {
            if (copy.state() == CheckpointCopy.State.INVALID) {
                CheckpointCopy other = copy == a ? b : a;
                problems.add(ShardProblem.of(Severity.NOTE, file, "checkpoint " + copy.label(), "copy " + copy.label()
                        + " is invalid (checksum mismatch or impossible values): a checkpoint write torn by a crash, or "
                        + "damage to the header page; copy " + other.label() + " (generation "
                        + other.checkpoint().generation() + ") is used and the next checkpoint overwrites this one"));
            }
        }
    }

    /** The per-entry checks of one snapshot, with the state they accumulate. */
    private static final class EntryChecks {
        private final ShardSnapshot snapshot;
        private final Path file;
        private final List<ShardProblem> problems;
        private final Checkpoint checkpoint;
        private final boolean clean;
        /** Severity of what recovery resolves by design: a fault only in a cleanly closed file. */
        private final Severity recoverable;
        private final int[] slotOwner;
        private final boolean[] empty;
        private final Map<String, Integer> ids = new HashMap<>();
        private long live;
        private long deleted;
        private long pastCheckpoint;
        private int firstPastCheckpoint = -1;

        EntryChecks(ShardSnapshot snapshot, Path file, List<ShardProblem> problems) {
            this.snapshot = snapshot;
            this.file = file;
            this.problems = problems;
            this.checkpoint = snapshot.checkpoint();
            this.clean = checkpoint.clean();
            this.recoverable = clean ? Severity.FAULT : Severity.NOTE;
            this.slotOwner = new int[(int) Math.min(checkpoint.slotCount(), snapshot.slotLimit())];
            this.empty = new boolean[snapshot.capacity()];
            Arrays.fill(slotOwner, -1);
        }

        long run() {
            if (!clean) {
                problems.add(ShardProblem.of(Severity.NOTE, file, "checkpoint", "not closed cleanly (checkpoint generation "
                        + checkpoint.generation() + ", source offset " + checkpoint.sourceOffset() + "): a writer has it "
                        + "open, or it crashed; what was written after the checkpoint is not durable yet"));
            }
            for (int p = 0; p < empty.length; p++) {
                empty[p] = snapshot.entryAt(p).empty();
            }
            long entries = 0;
            for (int p = 0; p < empty.length; p++) {
                ShardSnapshot.Entry e = snapshot.entryAt(p);
                if (!e.empty()) {
                    entries++;
                    check(e);
                }
            }
            if (pastCheckpoint > 0) {
                problems.add(ShardProblem.of(Severity.NOTE, file, "entries", pastCheckpoint + " entries (first: entry "
                        + firstPastCheckpoint + ") point at slots at or past the checkpoint's slot count "
                        + checkpoint.slotCount() + ": written after the checkpoint, not durable yet; " + RECOVERED));
            }
            checkCounts();
            return entries;
        }

        private void check(ShardSnapshot.Entry e) {
            int p = e.position();
            if (!e.crcValid()) {
                fault(recoverable, p, -1, String.format("entry checksum mismatch (stored %08x, computed %08x); %s", e.storedCrc(),
                        ShardIndex.entryCrc(e.hash(), e.slot(), e.flags(), e.sourceOffset(), e.payloadCrc()),
                        clean ? DAMAGED : RECOVERED));
                return;
            }
            if (e.hash() == 0 || !e.occupied() || (e.flags() & ~(ShardIndex.FLAG_OCCUPIED | ShardIndex.FLAG_DELETED)) != 0) {
                fault(Severity.FAULT, p, -1, String.format("impossible entry (hash %016x, flags %d; a used entry has a "
                        + "non-zero hash and flags 1 or 3); %s", e.hash(), e.flags(), DAMAGED));
                return;
            }
            int slot = e.slot();
            if (slot < 0 || slot >= checkpoint.slotCount()) {
                if (!clean && slot >= 0) {
                    if (pastCheckpoint++ == 0) {
                        firstPastCheckpoint = p;
                    }
                    return;
                }
                fault(Severity.FAULT, p, slot, "slot " + slot + " is outside the checkpoint's slot count " + checkpoint.slotCount()
                        + " (generation " + checkpoint.generation() + ", a clean close); " + DAMAGED);
                return;
            }
            if (slot >= slotOwner.length) {
                fault(Severity.FAULT, p, slot, "slot " + slot + " lies past the end of the file (" + snapshot.slotLimit()
                        + " slots fit); " + DAMAGED);
                return;
            }
            if (slotOwner[slot] >= 0) {
                fault(Severity.FAULT, p, slot, "shares slot " + slot + " with entry " + slotOwner[slot]
                        + "; one of the two ids lost its vector; " + DAMAGED);
            } else {
                slotOwner[slot] = p;
            }
            if (e.deleted()) {
                deleted++;
            } else {
                live++;
            }
            ShardSnapshot.Payload payload = snapshot.payloadAt(slot);
            if (!payload.idLengthOk()) {
                fault(Severity.FAULT, p, slot, "id length " + payload.idLength() + " is out of range 1.."
                        + snapshot.format().maxIdBytes() + " in a slot below the high-water mark; " + DAMAGED);
                return;
            }
            if (payload.computedCrc() != e.payloadCrc()) {
                if (e.sourceOffset() == -1) {
                    // Recovery's mark: the slot was torn after the checkpoint and replay rewrites it.
                    fault(Severity.NOTE, p, slot, String.format("payload checksum mismatch (entry says %08x, slot holds %08x), "
                            + "marked by recovery for replay (source offset -1): replay from the checkpoint rewrites it",
                            e.payloadCrc(), payload.computedCrc()));
                    return;
                }
                fault(recoverable, p, slot, String.format("payload checksum mismatch (entry says %08x, slot holds %08x) for id '%s'; %s",
                        e.payloadCrc(), payload.computedCrc(), DatabaseName.printable(payload.idString()), clean ? DAMAGED : RECOVERED));
                return;
            }
            String id = payload.idString();
            long hash = ShardIndex.hash(payload.id());
            if (hash != e.hash()) {
                fault(Severity.FAULT, p, slot, String.format("stored id '%s' hashes to %016x but the entry holds hash %016x; %s",
                        DatabaseName.printable(id), hash, e.hash(), DAMAGED));
                return;
            }
            Integer other = ids.putIfAbsent(id, p);
            if (other != null) {
                fault(Severity.FAULT, p, slot, "id '" + DatabaseName.printable(id) + "' is also held by entry " + other + "; " + DAMAGED);
            }
            int mask = empty.length - 1;
            for (int q = (int) (hash & mask); q != p; q = (q + 1) & mask) {
                if (empty[q]) {
                    fault(Severity.FAULT, p, slot, "unreachable: a lookup of id '" + DatabaseName.printable(id) + "' starts at entry "
                            + (hash & mask) + " and stops at the empty entry " + q + " before reaching it; " + DAMAGED);
                    break;
                }
            }
        }

        private void checkCounts() {
            if (live != checkpoint.liveCount() || deleted != checkpoint.deletedCount()) {
                String found = "the index holds " + live + " live and " + deleted + " deleted entries below the high-water mark, "
                        + "the checkpoint (generation " + checkpoint.generation() + ") says " + checkpoint.liveCount() + " and "
                        + checkpoint.deletedCount();
                problems.add(ShardProblem.of(recoverable, file, "counts", found + "; " + (clean ? DAMAGED
                        : "mutations after the checkpoint moved them; the next checkpoint records the new figures")));
            }
            long used = Arrays.stream(slotOwner).filter(o -> o >= 0).count();
            if (used < slotOwner.length) {
                problems.add(ShardProblem.of(Severity.NOTE, file, "slots", (slotOwner.length - used) + " of " + slotOwner.length
                        + " slots below the high-water mark hold no entry (left by recovery after a torn insert); compaction reclaims them"));
            }
        }

        private void fault(Severity severity, int entry, long slot, String fault) {
            problems.add(ShardProblem.atEntry(severity, file, entry, slot, fault));
        }
    }
}
