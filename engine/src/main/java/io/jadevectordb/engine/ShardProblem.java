package io.jadevectordb.engine;

import java.nio.file.Path;

/**
 * One finding of {@link ShardVerifier}: where in which file, and what is wrong.
 *
 * @param severity {@link Severity#FAULT} or {@link Severity#NOTE}
 * @param file     the shard file
 * @param entry    index table position, or -1 when the finding is not about one entry
 * @param slot     data slot, or -1 when not known or not relevant
 * @param where    the part of the file: {@code header}, {@code checkpoint A}, {@code entry 17 (slot 3)}, {@code counts}
 * @param fault    what is wrong, with the expected and found values and what to do
 */
public record ShardProblem(Severity severity, Path file, long entry, long slot, String where, String fault) {

    /** How bad a finding is. */
    public enum Severity {
        /** The file is damaged or inconsistent: verification fails. */
        FAULT,
        /**
         * Expected in a file that a writer has open, or that was not closed cleanly (recovery
         * resolves it on the next open): worth knowing, not a failure.
         */
        NOTE
    }

    static ShardProblem of(Severity severity, Path file, String where, String fault) {
        return new ShardProblem(severity, file, -1, -1, where, fault);
    }

    static ShardProblem atEntry(Severity severity, Path file, int entry, long slot, String fault) {
        String where = "entry " + entry + (slot >= 0 ? " (slot " + slot + ")" : "");
        return new ShardProblem(severity, file, entry, slot, where, fault);
    }

    /** {@code FAULT path: entry 17 (slot 3): payload checksum mismatch ...}. */
    @Override
    public String toString() {
        return severity + " " + file + ": " + where + ": " + fault;
    }
}
