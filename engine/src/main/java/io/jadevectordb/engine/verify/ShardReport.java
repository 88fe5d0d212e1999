package io.jadevectordb.engine.verify;

import java.nio.file.Path;
import java.util.List;

import io.jadevectordb.engine.format.Checkpoint;

/**
 * What {@link ShardVerifier} found in one shard file.
 *
 * @param name          {@code database/file}
 * @param file          the shard file
 * @param formatVersion the file's format version (1 or 2), or 0 when its header could not be read
 * @param checkpointA   state of checkpoint copy A (offset 512)
 * @param checkpointB   state of checkpoint copy B (offset 1024)
 * @param checkpoint    the newest valid checkpoint the log was checked against, or null when
 *                      the header could not be read or the file is format 1 (not checked)
 * @param records       committed log records checked (from the first record to the checkpoint's log end)
 * @param entries       ids (live and deleted) the committed log holds
 * @param problems      faults and notes, in file order
 */
public record ShardReport(String name, Path file, int formatVersion, CheckpointCopy checkpointA, CheckpointCopy checkpointB,
                          Checkpoint checkpoint, long records, long entries, List<ShardProblem> problems) {

    /** A report of a file that could not be examined at all, with the one fault that says why. */
    public static ShardReport unreadable(String name, Path file, String why) {
        CheckpointCopy a = new CheckpointCopy("A", CheckpointCopy.State.UNREAD, null);
        CheckpointCopy b = new CheckpointCopy("B", CheckpointCopy.State.UNREAD, null);
        return new ShardReport(name, file, 0, a, b, null, 0, 0, List.of(ShardProblem.of(ShardProblem.Severity.FAULT, file,
                "file", why)));
    }

    /**
     * One copy of the checkpoint pair.
     *
     * @param label      {@code A} or {@code B}
     * @param state      whether it decodes
     * @param checkpoint the decoded copy when {@link State#VALID}, else null
     */
    public record CheckpointCopy(String label, State state, Checkpoint checkpoint) {

        /** Whether a copy decodes. */
        public enum State { VALID, INVALID, NEVER_WRITTEN, UNREAD }

        @Override
        public String toString() {
            switch (state) {
                case VALID:
                    return label + " valid (generation " + checkpoint.generation() + ", source offset "
                            + checkpoint.sourceOffset() + ", log end " + checkpoint.logEnd() + ", "
                            + (checkpoint.clean() ? "clean" : "unclean") + ")";
                case INVALID:
                    return label + " invalid";
                case NEVER_WRITTEN:
                    return label + " never written";
                default:
                    return label + " not read";
            }
        }
    }

    public List<ShardProblem> faults() {
        return problems.stream().filter(p -> p.severity() == ShardProblem.Severity.FAULT).toList();
    }

    public List<ShardProblem> notes() {
        return problems.stream().filter(p -> p.severity() == ShardProblem.Severity.NOTE).toList();
    }

    public boolean hasFaults() {
        return problems.stream().anyMatch(p -> p.severity() == ShardProblem.Severity.FAULT);
    }
}
