package io.jadevectordb.engine;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link ShardVerifier} found in one shard file.
 *
 * @param name        {@code database/file}
 * @param file        the shard file
 * @param checkpointA state of checkpoint copy A (offset 512)
 * @param checkpointB state of checkpoint copy B (offset 1024)
 * @param checkpoint  the newest valid checkpoint the entries were checked against, or null
 *                    when the header could not be read
 * @param entries     occupied index entries examined
 * @param problems    faults and notes, in file order
 */
public record ShardReport(String name, Path file, CheckpointCopy checkpointA, CheckpointCopy checkpointB,
                          Checkpoint checkpoint, long entries, List<ShardProblem> problems) {

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
                            + checkpoint.sourceOffset() + ", " + (checkpoint.clean() ? "clean" : "unclean") + ")";
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
