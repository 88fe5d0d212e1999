package io.jadevectordb.engine.verify;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;

import io.jadevectordb.engine.CorruptShardException;
import io.jadevectordb.engine.format.Checkpoint;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.IdTable;
import io.jadevectordb.engine.index.ShardIndex;
import io.jadevectordb.engine.io.MappedFile;
import io.jadevectordb.engine.verify.ShardProblem.Severity;

/**
 * The verifier's pass over a version 2 shard's committed log: every record from the first to
 * the checkpoint's log end is checked on its own (length, type, flags, payload and id lengths,
 * checksum), so that a fault names the position of the damaged record, and is then indexed by
 * the engine's own {@link ShardIndex#indexRange}, so that the state rebuilt here is the state the
 * next open would build from the log alone. The rebuilt table lives off the heap in anonymous
 * memory: nothing is created next to the shard, which a writer may own.
 *
 * <p>The walk can stop at an intermediate position (an index snapshot's {@code coveredEnd}) and
 * be resumed; a damaged record ends it, since the records after it cannot be located.
 */
final class RecordWalk implements Closeable {

    /** The shortest record: a header and a one-byte id, aligned. */
    private static final int MIN_RECORD = ShardFormat.recordLength(0, 1);

    private final Path file;
    private final MappedFile log;
    private final ShardFormat format;
    private final Checkpoint checkpoint;
    private final ShardIndex index;
    private final List<ShardProblem> problems;
    private final byte[] record;
    private final ByteBuffer view;
    private final CRC32C crc = new CRC32C();
    private long position = ShardFormat.FIRST_RECORD;
    private long records;
    private long maxSourceOffset = -1;
    private boolean damaged;

    private RecordWalk(Path file, MappedFile log, ShardFormat format, Checkpoint checkpoint, ShardIndex index,
                    List<ShardProblem> problems) {
        this.file = file;
        this.log = log;
        this.format = format;
        this.checkpoint = checkpoint;
        this.index = index;
        this.problems = problems;
        this.record = new byte[format.maxRecordLength()];
        this.view = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A walk positioned at the first record, with an empty index sized for the ids the checkpoint names. */
    static RecordWalk start(String name, Path file, MappedFile log, ShardFormat format, Checkpoint checkpoint,
                         List<ShardProblem> problems) throws IOException {
        // Damaged counts must not size the table: no log holds more ids than it has minimal records.
        long ids = Math.min(checkpoint.liveCount() + checkpoint.deletedCount(),
                (checkpoint.logEnd() - ShardFormat.FIRST_RECORD) / MIN_RECORD);
        IdTable table = IdTable.allocate(name, IdTable.capacityFor(ids));
        ShardIndex index = new ShardIndex(name, format, table, log, 0, 0, 0, -1);
        return new RecordWalk(file, log, format, checkpoint, index, problems);
    }

    /**
     * Checks and indexes the records that start before {@code stop} (at most the log end).
     * Returns false, having reported a fault, when a damaged record ended the walk.
     */
    boolean advanceTo(long stop) throws IOException {
        while (!damaged && position < stop) {
            String problem = problem(position);
            if (problem == null) {
                int length = log.getInt(position);
                try {
                    index.indexRange(position, position + length);
                } catch (CorruptShardException e) {
                    problem = e.getMessage(); // the engine's check and this one disagree: report the engine's words
                }
                if (problem == null) {
                    maxSourceOffset = Math.max(maxSourceOffset, log.getLong(position + 8));
                    position += length;
                    records++;
                    continue;
                }
            }
            damaged = true;
            problems.add(ShardProblem.atRecord(Severity.FAULT, file, position, "committed record (checkpoint generation "
                    + checkpoint.generation() + ", log end " + checkpoint.logEnd() + ") is damaged: " + problem
                    + "; the records after it cannot be located and were not checked; " + ShardVerifier.DAMAGED));
        }
        return !damaged;
    }

    /** Why the record at {@code at} is not a valid committed record, or null. */
    private String problem(long at) {
        long room = checkpoint.logEnd() - at;
        int length = log.getInt(at);
        if (length < ShardFormat.RECORD_HEADER || length % ShardFormat.RECORD_ALIGNMENT != 0 || length > format.maxRecordLength()) {
            return "length " + length + " is impossible (a record is " + MIN_RECORD + ".." + format.maxRecordLength()
                    + " bytes, a multiple of " + ShardFormat.RECORD_ALIGNMENT + ")";
        }
        if (length > room) {
            return "length " + length + " runs past the committed log end " + checkpoint.logEnd();
        }
        log.getBytes(at, record, 0, length);
        return format.recordProblem(record, view, length, crc);
    }

    /** Where the next record starts. */
    long position() {
        return position;
    }

    /** The state rebuilt from the records walked so far. */
    ShardIndex index() {
        return index;
    }

    long records() {
        return records;
    }

    /** Highest source offset of any record walked, -1 for none. */
    long maxSourceOffset() {
        return maxSourceOffset;
    }

    @Override
    public void close() {
        index.close();
    }
}
