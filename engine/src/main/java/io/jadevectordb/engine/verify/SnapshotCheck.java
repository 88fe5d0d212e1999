package io.jadevectordb.engine.verify;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import io.jadevectordb.engine.DatabaseName;
import io.jadevectordb.engine.format.Checkpoint;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.IdTable;
import io.jadevectordb.engine.index.IndexSnapshot;
import io.jadevectordb.engine.index.IndexSnapshotHeader;
import io.jadevectordb.engine.index.ShardIndex;
import io.jadevectordb.engine.io.MappedFile;
import io.jadevectordb.engine.verify.ShardProblem.Severity;

/**
 * The verifier's checks of a version 2 shard's index snapshot ({@code <shard>.index}): its
 * header (checksum, capacity, log id, covered end), the checksum of its table, and then every
 * entry against the state rebuilt from the log up to the covered end (same ids, record
 * positions, source offsets, flags and lengths; every entry reachable from its home position;
 * no id missing). Opening a shard trusts a snapshot whose header is valid without reading the
 * log before {@code coveredEnd}, so a wrong entry here is a wrong answer after the next open.
 *
 * <p>The file is opened once and read from that descriptor, so a writer replacing it (a new
 * snapshot is renamed into place) cannot mix two snapshots into one check.
 */
final class SnapshotCheck implements Closeable {

    /** Entry faults reported one by one; beyond this, one line counts the rest. */
    static final int MAX_ENTRY_FAULTS = 10;

    private final Path snapshot;
    private final IndexSnapshotHeader header;
    private final IdTable table;
    private final MappedFile log;
    private final List<ShardProblem> problems;
    private long entryFaults;

    private SnapshotCheck(Path snapshot, IndexSnapshotHeader header, IdTable table, MappedFile log, List<ShardProblem> problems) {
        this.snapshot = snapshot;
        this.header = header;
        this.table = table;
        this.log = log;
        this.problems = problems;
    }

    /** What to do about a bad snapshot: it is derived data, the log rebuilds it. */
    static String rebuild(Path snapshot) {
        return "delete " + snapshot + " while no writer has the shard open: the next open reads the whole log and writes a new one";
    }

    /**
     * Checks the snapshot's header and table checksum. Returns the check to compare its entries
     * with the log, or null when there is no snapshot or it describes nothing comparable (the
     * reason is reported).
     */
    static SnapshotCheck open(Path shard, MappedFile log, ShardFormat format, Checkpoint checkpoint,
                              List<ShardProblem> problems) throws IOException {
        Path snapshot = IndexSnapshot.fileOf(shard);
        FileChannel channel;
        try {
            channel = FileChannel.open(snapshot, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null; // optional: without one, opening reads the whole log
        }
        try (channel) {
            IndexSnapshotHeader h = IndexSnapshotHeader.read(channel);
            String fault = headerFault(h);
            if (fault != null) {
                problems.add(ShardProblem.of(Severity.FAULT, snapshot, "snapshot", fault + "; " + rebuild(snapshot)));
                return null;
            }
            if (h.logId() != format.logId()) {
                problems.add(ShardProblem.of(Severity.NOTE, snapshot, "snapshot", String.format("it indexes log id %016x, the shard "
                        + "file has log id %016x (compaction or migration wrote a new file and no snapshot of it exists yet): "
                        + "the next open ignores it and reads the whole log", h.logId(), format.logId())));
                return null;
            }
            String range = rangeFault(h, checkpoint);
            if (range != null) {
                problems.add(ShardProblem.of(Severity.FAULT, snapshot, "snapshot", range + "; " + rebuild(snapshot)));
                return null;
            }
            IdTable table = IdTable.map(channel, IndexSnapshot.HEADER_SIZE, h.capacity(), FileChannel.MapMode.READ_ONLY);
            int crc = table.crc();
            if (crc != h.tableCrc()) {
                problems.add(ShardProblem.of(Severity.FAULT, snapshot, "snapshot", String.format("table checksum mismatch (header "
                        + "says %08x, the %d entries give %08x): the next open would trust a damaged index; %s", h.tableCrc(),
                        h.capacity(), crc, rebuild(snapshot))));
            }
            return new SnapshotCheck(snapshot, h, table, log, problems);
        }
    }

    private static String headerFault(IndexSnapshotHeader h) {
        if (!h.complete()) {
            return "truncated: " + h.size() + " bytes, less than its " + IndexSnapshot.HEADER_SIZE + "-byte header";
        }
        if (!h.recognised()) {
            return "not a version " + IndexSnapshot.VERSION + " index snapshot (bad magic or version)";
        }
        if (!h.crcValid()) {
            return "header checksum mismatch";
        }
        if (!h.capacityFits()) {
            return "capacity " + h.capacity() + " is not a power of two >= " + IdTable.MIN_CAPACITY + " that fits the file's "
                    + h.size() + " bytes";
        }
        return null;
    }

    /** Checked only for a snapshot of this log: one of another log id (an earlier file) may cover any range. */
    private static String rangeFault(IndexSnapshotHeader h, Checkpoint checkpoint) {
        long end = h.coveredEnd();
        if (end < ShardFormat.FIRST_RECORD || end % ShardFormat.RECORD_ALIGNMENT != 0 || end > checkpoint.logEnd()) {
            return "it covers the log up to " + end + ", which is not a position in the committed log (" + ShardFormat.FIRST_RECORD
                    + ".." + checkpoint.logEnd() + ", checkpoint generation " + checkpoint.generation() + ")";
        }
        return null;
    }

    long coveredEnd() {
        return header.coveredEnd();
    }

    /** The snapshot's covered end fell inside the record at {@code position}: it cannot be a commit's end. */
    void reportInsideRecord(long position) {
        problems.add(ShardProblem.of(Severity.FAULT, snapshot, "snapshot", "it covers the log up to " + header.coveredEnd()
                + ", inside the record that ends at " + position + ": no commit ends there; " + rebuild(snapshot)));
    }

    /** Compares every entry with {@code rebuilt}, the state of the log up to {@link #coveredEnd()}. */
    void compareWith(ShardIndex rebuilt) {
        compareCounts(rebuilt);
        IdTable state = rebuilt.table();
        for (long p = 0; p < table.capacity(); p++) {
            long hash = table.hashAt(p);
            if (hash == 0) {
                continue;
            }
            long position = table.positionAt(p);
            long q = find(state, hash, position);
            if (q < 0) {
                entryFault(p, position, String.format("hash %016x, record position %d: no id's newest record up to the covered "
                        + "end %d is there (a stale or damaged entry)", hash, position, header.coveredEnd()));
                continue;
            }
            String id = idAt(position);
            if (table.offsetAt(p) != state.offsetAt(q) || table.flagsAt(p) != state.flagsAt(q) || table.lengthAt(p) != state.lengthAt(q)) {
                entryFault(p, position, String.format("id '%s': source offset %d, flags %d, length %d; the log says %d, %d, %d", id,
                        table.offsetAt(p), table.flagsAt(p), table.lengthAt(p), state.offsetAt(q), state.flagsAt(q), state.lengthAt(q)));
            }
            if (find(table, hash, position) != p) {
                entryFault(p, position, "id '" + id + "' is unreachable: a lookup starting at its home entry " + (hash & (table.capacity() - 1))
                        + " stops at an empty entry before reaching it");
            }
        }
        for (long q = 0; q < state.capacity(); q++) {
            long hash = state.hashAt(q);
            // An entry that is present but unreachable was reported above; past the cap, only counting matters.
            if (hash != 0 && find(table, hash, state.positionAt(q)) < 0
                    && (entryFaults >= MAX_ENTRY_FAULTS || !holds(hash, state.positionAt(q)))) {
                entryFault(-1, state.positionAt(q), "id '" + idAt(state.positionAt(q)) + "' (newest record at " + state.positionAt(q)
                        + ", source offset " + state.offsetAt(q) + ") is missing from the snapshot: the next open would not find it");
            }
        }
        if (entryFaults > MAX_ENTRY_FAULTS) {
            problems.add(ShardProblem.of(Severity.FAULT, snapshot, "snapshot", (entryFaults - MAX_ENTRY_FAULTS)
                    + " more entry faults not listed; " + rebuild(snapshot)));
        }
    }

    private void compareCounts(ShardIndex rebuilt) {
        if (header.liveCount() != rebuilt.liveCount() || header.deletedCount() != rebuilt.deletedCount()
                || header.garbageBytes() != rebuilt.garbageBytes() || header.entryHighWater() < rebuilt.entryHighWater()) {
            problems.add(ShardProblem.of(Severity.FAULT, snapshot, "snapshot counts", "the snapshot says " + header.liveCount()
                    + " live, " + header.deletedCount() + " deleted, " + header.garbageBytes() + " garbage bytes, entry high-water "
                    + header.entryHighWater() + "; the log up to its covered end " + header.coveredEnd() + " holds "
                    + rebuilt.liveCount() + ", " + rebuilt.deletedCount() + ", " + rebuilt.garbageBytes() + " and "
                    + rebuilt.entryHighWater() + "; " + rebuild(snapshot)));
        }
    }

    /** Whether some entry of the snapshot holds this hash and position, reachable or not (reported once, above). */
    private boolean holds(long hash, long position) {
        for (long p = 0; p < table.capacity(); p++) {
            if (table.hashAt(p) == hash && table.positionAt(p) == position) {
                return true;
            }
        }
        return false;
    }

    /** The entry of {@code t} a lookup of {@code hash} reaches whose record is at {@code position}, or -1. */
    private static long find(IdTable t, long hash, long position) {
        long mask = t.capacity() - 1;
        long p = hash & mask;
        for (long seen = 0; seen < t.capacity() && t.hashAt(p) != 0; seen++, p = (p + 1) & mask) {
            if (t.hashAt(p) == hash && t.positionAt(p) == position) {
                return p;
            }
        }
        return -1;
    }

    /** The id of a record the log walk found valid. */
    private String idAt(long position) {
        int idLength = log.getInt(position + 4) >>> 16;
        byte[] id = new byte[idLength];
        log.getBytes(position + ShardFormat.RECORD_HEADER + log.getInt(position + 16), id, 0, idLength);
        return DatabaseName.printable(new String(id, StandardCharsets.UTF_8));
    }

    private void entryFault(long entry, long position, String fault) {
        if (++entryFaults <= MAX_ENTRY_FAULTS) {
            problems.add(entry < 0 ? ShardProblem.of(Severity.FAULT, snapshot, "snapshot", fault + "; " + rebuild(snapshot))
                    : ShardProblem.atSnapshotEntry(Severity.FAULT, snapshot, entry, position, fault + "; " + rebuild(snapshot)));
        }
    }

    @Override
    public void close() {
        table.close();
    }
}
