package io.jadevectordb.engine.verify;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.jadevectordb.engine.CorruptShardException;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.format.Checkpoint;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.ShardIndex;
import io.jadevectordb.engine.io.MappedFile;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.verify.ShardProblem.Severity;
import io.jadevectordb.engine.verify.ShardReport.CheckpointCopy;

/**
 * Checks one version 2 shard file and its index snapshot without locking or modifying them
 * (safe while a writer appends, commits, snapshots or compacts):
 * <ul>
 *   <li>the static header and its checksum;</li>
 *   <li>both checkpoint copies: an invalid one is a note when the other is valid (a torn
 *       checkpoint write, which the next commit overwrites);</li>
 *   <li>every committed record, from the first to the newest checkpoint's log end (length,
 *       type, payload and id lengths, checksum): committed bytes are never rewritten, so any
 *       bad one is damage and a fault naming its position. Bytes past the log end belong to no
 *       commit and are not looked at;</li>
 *   <li>the live, deleted and garbage figures rebuilt from the log against the checkpoint's;</li>
 *   <li>the index snapshot, if there is one: header and table checksums, covered end within
 *       the committed log, and every entry against the state rebuilt from the log up to its
 *       covered end ({@link SnapshotCheck}). A snapshot of another log id (the shard file was
 *       compacted or migrated since) is a note: the next open ignores it.</li>
 * </ul>
 *
 * <p>A format 1 file is not checked: one note says so and how to upgrade it.
 *
 * <p>When the checkpoint generation or the log id changes while the file is being checked (a
 * writer committed or compacted it), the check is repeated against the new state.
 */
public final class ShardVerifier {

    /** What to do about damage to committed data. */
    static final String DAMAGED = "the file is damaged: restore it from a backup, or move it and its .index away and replay "
            + "its partition from the earliest offset";
    private static final int ATTEMPTS = 3;

    private ShardVerifier() {
    }

    /**
     * Verifies a shard file.
     *
     * @param name    {@code database/file}, for messages
     * @param file    the shard file
     * @param options only the mapping chunk size and file I/O are used
     * @throws IOException when the file cannot be read at all (problems inside it are reported, not thrown)
     */
    public static ShardReport verify(String name, Path file, StoreOptions options) throws IOException {
        ShardReport report = null;
        Fingerprint first = Fingerprint.of(file);
        Fingerprint before = first;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            report = verifyOnce(name, file, options);
            Fingerprint after = Fingerprint.of(file);
            if (after.equals(before)) {
                return report;
            }
            before = after;
        }
        List<ShardProblem> problems = new ArrayList<>(report.problems());
        problems.add(ShardProblem.of(Severity.NOTE, file, "checkpoint", "the file changed during each of " + ATTEMPTS
                + " checks (from " + first + " to " + before + "): a writer is committing or compacting it; the findings "
                + "describe the last check, run verify again when it is idle"));
        return new ShardReport(report.name(), file, report.formatVersion(), report.checkpointA(), report.checkpointB(),
                report.checkpoint(), report.records(), report.entries(), problems);
    }

    private static ShardReport verifyOnce(String name, Path file, StoreOptions options) throws IOException {
        List<ShardProblem> problems = new ArrayList<>();
        byte[] page = ShardFiles.readPrefix(file, ShardFormat.PAGE_SIZE);
        CheckpointCopy unreadA = new CheckpointCopy("A", CheckpointCopy.State.UNREAD, null);
        CheckpointCopy unreadB = new CheckpointCopy("B", CheckpointCopy.State.UNREAD, null);
        int version = 0;
        ShardFormat format;
        try {
            version = ShardFormat.version(file, page);
            if (version == 1) {
                problems.add(ShardProblem.of(Severity.NOTE, file, "header", "format 1, not checked by this release: upgrade it "
                        + "in place with `jvdb migrate " + databaseOf(name) + "` while no sink has it open, or start the sink, which "
                        + "upgrades it when it opens the shard"));
                return new ShardReport(name, file, 1, unreadA, unreadB, null, 0, 0, problems);
            }
            format = ShardFormat.decode(file, page);
        } catch (CorruptShardException e) {
            problems.add(ShardProblem.of(Severity.FAULT, file, "header", e.getMessage()));
            return new ShardReport(name, file, version, unreadA, unreadB, null, 0, 0, problems);
        }
        if (page.length < ShardFormat.PAGE_SIZE) {
            problems.add(ShardProblem.of(Severity.FAULT, file, "header", "the header page is truncated (" + page.length + " of "
                    + ShardFormat.PAGE_SIZE + " bytes); " + DAMAGED));
            return new ShardReport(name, file, version, unreadA, unreadB, null, 0, 0, problems);
        }
        CheckpointCopy a = copy("A", page, ShardFormat.CHECKPOINT_A_OFFSET);
        CheckpointCopy b = copy("B", page, ShardFormat.CHECKPOINT_B_OFFSET);
        if (a.state() != CheckpointCopy.State.VALID && b.state() != CheckpointCopy.State.VALID) {
            problems.add(ShardProblem.of(Severity.FAULT, file, "checkpoints", "neither checkpoint copy is valid (A at 512: "
                    + a.state() + ", B at 1024: " + b.state() + "); " + DAMAGED));
            return new ShardReport(name, file, version, a, b, null, 0, 0, problems);
        }
        Checkpoint checkpoint = Checkpoint.newest(name, page);
        noteInvalidCopies(file, a, b, checkpoint, problems);
        if (!checkpoint.clean()) {
            problems.add(ShardProblem.of(Severity.NOTE, file, "checkpoint", "not closed cleanly (checkpoint generation "
                    + checkpoint.generation() + ", source offset " + checkpoint.sourceOffset() + ", log end " + checkpoint.logEnd()
                    + "): a writer has it open, or it crashed; anything past the log end belongs to no commit and was not "
                    + "checked: the next open discards it"));
        }
        try (MappedFile log = MappedFile.open(options.fileIO(), file, true, options.mapChunkBytes())) {
            byte[] mapped = new byte[64];
            log.getBytes(0, mapped, 0, mapped.length);
            if (!Arrays.equals(mapped, 0, mapped.length, page, 0, mapped.length)) {
                // Compaction or migration renamed a new file over this one between the two reads; verify() looks again.
                problems.add(ShardProblem.of(Severity.NOTE, file, "header", "the file was replaced while it was being read"));
                return new ShardReport(name, file, version, a, b, checkpoint, 0, 0, problems);
            }
            if (log.length() < checkpoint.logEnd()) {
                problems.add(ShardProblem.of(Severity.FAULT, file, "log", "truncated: the file has " + log.length()
                        + " bytes, checkpoint generation " + checkpoint.generation() + " names log end " + checkpoint.logEnd()
                        + "; " + DAMAGED));
                return new ShardReport(name, file, version, a, b, checkpoint, 0, 0, problems);
            }
            return checkLog(name, file, log, format, checkpoint, a, b, problems);
        }
    }

    private static ShardReport checkLog(String name, Path file, MappedFile log, ShardFormat format, Checkpoint checkpoint,
                                        CheckpointCopy a, CheckpointCopy b, List<ShardProblem> problems) throws IOException {
        try (RecordWalk walk = RecordWalk.start(name, file, log, format, checkpoint, problems);
             SnapshotCheck snapshot = SnapshotCheck.open(file, log, format, checkpoint, problems)) {
            if (snapshot != null && walk.advanceTo(snapshot.coveredEnd())) {
                if (walk.position() != snapshot.coveredEnd()) {
                    snapshot.reportInsideRecord(walk.position());
                } else {
                    snapshot.compareWith(walk.index());
                }
            }
            if (walk.advanceTo(checkpoint.logEnd())) {
                checkCounts(file, walk, checkpoint, problems);
            }
            ShardIndex index = walk.index();
            return new ShardReport(name, file, ShardFormat.VERSION, a, b, checkpoint, walk.records(),
                    index.liveCount() + index.deletedCount(), problems);
        }
    }

    private static void checkCounts(Path file, RecordWalk walk, Checkpoint checkpoint, List<ShardProblem> problems) {
        ShardIndex index = walk.index();
        if (index.liveCount() != checkpoint.liveCount() || index.deletedCount() != checkpoint.deletedCount()
                || index.garbageBytes() != checkpoint.garbageBytes()) {
            problems.add(ShardProblem.of(Severity.FAULT, file, "counts", "the committed log holds " + index.liveCount() + " live ids, "
                    + index.deletedCount() + " deleted and " + index.garbageBytes() + " bytes of superseded records; checkpoint "
                    + "generation " + checkpoint.generation() + " says " + checkpoint.liveCount() + ", " + checkpoint.deletedCount()
                    + " and " + checkpoint.garbageBytes() + "; " + DAMAGED));
        }
        if (walk.maxSourceOffset() > checkpoint.entryHighWater()) {
            problems.add(ShardProblem.of(Severity.FAULT, file, "counts", "a committed record has source offset "
                    + walk.maxSourceOffset() + ", above the entry high-water mark " + checkpoint.entryHighWater()
                    + " of checkpoint generation " + checkpoint.generation() + "; " + DAMAGED));
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
        // A file written whole (compaction, migration) starts with only one copy.
        return new CheckpointCopy(label, CheckpointCopy.State.NEVER_WRITTEN, null);
    }

    private static void noteInvalidCopies(Path file, CheckpointCopy a, CheckpointCopy b, Checkpoint used,
                                          List<ShardProblem> problems) {
        for (CheckpointCopy copy : List.of(a, b)) {
            if (copy.state() == CheckpointCopy.State.INVALID) {
                CheckpointCopy other = copy == a ? b : a;
                problems.add(ShardProblem.of(Severity.NOTE, file, "checkpoint " + copy.label(), "copy " + copy.label()
                        + " is invalid (checksum mismatch or impossible values): a checkpoint write torn by a crash, or one "
                        + "in progress; copy " + other.label() + " (generation " + used.generation() + ") is the current one and "
                        + "the next commit overwrites this one"));
            }
        }
    }

    /** {@code articles} of {@code articles/vectors-3.jvdb}. */
    private static String databaseOf(String name) {
        int slash = name.indexOf('/');
        return slash < 0 ? "DATABASE" : name.substring(0, slash);
    }

    /** What identifies the state of a shard file: a new commit changes the generation, a compaction the log id. */
    private record Fingerprint(long logId, long generation) {

        static Fingerprint of(Path file) throws IOException {
            byte[] page = ShardFiles.readPrefix(file, ShardFormat.PAGE_SIZE);
            if (page.length < ShardFormat.PAGE_SIZE) {
                return new Fingerprint(0, -1);
            }
            Checkpoint a = Checkpoint.decode(page, ShardFormat.CHECKPOINT_A_OFFSET);
            Checkpoint b = Checkpoint.decode(page, ShardFormat.CHECKPOINT_B_OFFSET);
            long logId = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN).getLong(16);
            return new Fingerprint(logId, Math.max(a == null ? -1 : a.generation(), b == null ? -1 : b.generation()));
        }

        @Override
        public String toString() {
            return String.format("log id %016x, generation %d", logId, generation);
        }
    }
}
