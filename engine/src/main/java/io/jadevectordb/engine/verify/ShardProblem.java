package io.jadevectordb.engine.verify;

import java.nio.file.Path;

/**
 * One finding of {@link ShardVerifier}: where in which file, and what is wrong.
 *
 * @param severity {@link Severity#FAULT} or {@link Severity#NOTE}
 * @param file     the file the finding is about: the shard file, or its index snapshot
 *                 ({@code <shard>.index})
 * @param entry    index snapshot table entry, or -1 when the finding is not about one entry
 * @param position log position of the record concerned, or -1 when not known or not relevant
 * @param where    the part of the file: {@code header}, {@code checkpoint A}, {@code record at 8192},
 *                 {@code counts}, {@code snapshot}, {@code snapshot entry 17 (record at 4096)}
 * @param fault    what is wrong, with the expected and found values and what to do
 */
public record ShardProblem(Severity severity, Path file, long entry, long position, String where, String fault) {

    /** How bad a finding is. */
    public enum Severity {
        /** The file is damaged or inconsistent: verification fails. */
        FAULT,
        /**
         * Worth knowing, not a failure: a file a writer has open or that crashed (opening
         * resolves it by design), a torn non-current checkpoint copy, an index snapshot of an
         * earlier incarnation of the log, a format 1 file that is upgraded on open.
         */
        NOTE
    }

    static ShardProblem of(Severity severity, Path file, String where, String fault) {
        return new ShardProblem(severity, file, -1, -1, where, fault);
    }

    static ShardProblem atRecord(Severity severity, Path file, long position, String fault) {
        return new ShardProblem(severity, file, -1, position, "record at " + position, fault);
    }

    static ShardProblem atSnapshotEntry(Severity severity, Path snapshot, long entry, long position, String fault) {
        return new ShardProblem(severity, snapshot, entry, position, "snapshot entry " + entry + " (record at " + position + ")",
                fault);
    }

    /** {@code FAULT path: record at 8192: checksum mismatch ...}. */
    @Override
    public String toString() {
        return severity + " " + file + ": " + where + ": " + fault;
    }
}
