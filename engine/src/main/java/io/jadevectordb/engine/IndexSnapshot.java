package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persisted hash index of a version 2 shard, {@code <shard>.index}: the {@link IdTable} as
 * of a committed log position, so that opening needs to read only the log after it (Bitcask's
 * hint files; Kafka's recovery point). Written whole to {@code <shard>.index.tmp}, forced, and
 * renamed into place (then the directory is forced), so a crash leaves the previous snapshot or
 * the new one, never a mixture. A snapshot is used only for the log it names ({@code logId})
 * and only up to that log's committed end; otherwise the log is read from its start.
 *
 * <pre>
 * offset size field (header page, 4096 bytes; the table follows at 4096)
 *   0     4  magic "JVIX"
 *   4     2  version (1)
 *   6     2  reserved (0)
 *   8     8  logId of the shard file it indexes
 *  16     8  coveredEnd: the log position every record before which is reflected
 *  24     8  capacity (entries, a power of two)
 *  32     8  liveCount
 *  40     8  deletedCount
 *  48     8  entryHighWater
 *  56     8  garbageBytes
 *  64     4  CRC32C of the table
 *  68    56  reserved (0)
 * 124     4  CRC32C of bytes 0..123
 * </pre>
 *
 * @param table        the entries, mapped privately (the caller owns and closes it)
 * @param coveredEnd   log position the table reflects
 * @param liveCount    live ids in the table
 * @param deletedCount deleted ids in the table
 * @param entryHighWater highest source offset of any entry
 * @param garbageBytes   superseded record bytes before {@code coveredEnd}
 */
record IndexSnapshot(IdTable table, long coveredEnd, long liveCount, long deletedCount, long entryHighWater, long garbageBytes) {

    private static final Logger log = LoggerFactory.getLogger(IndexSnapshot.class);
    static final int MAGIC = 0x4A56_4958; // "JVIX"
    static final short VERSION = 1;
    static final int HEADER_SIZE = 4096;
    static final int HEADER_CRC_OFFSET = 124;

    /** The snapshot file of a shard file. */
    static Path fileOf(Path shard) {
        return shard.resolveSibling(shard.getFileName() + ".index");
    }

    /**
     * Writes a snapshot of {@code table} as of {@code coveredEnd} and makes it the shard's
     * snapshot (temporary file, force, atomic rename, directory force).
     */
    static void write(FileIO io, Path shard, long logId, IdTable table, long coveredEnd, long liveCount, long deletedCount,
                      long entryHighWater, long garbageBytes) throws IOException {
        Path target = fileOf(shard);
        Path tmp = ShardFiles.temporary(target);
        boolean success = false;
        try {
            try (FileChannel out = io.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                int tableCrc = table.writeTo(out, HEADER_SIZE);
                ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
                header.putInt(0, Integer.reverseBytes(MAGIC));
                header.putShort(4, VERSION);
                header.putLong(8, logId);
                header.putLong(16, coveredEnd);
                header.putLong(24, table.capacity());
                header.putLong(32, liveCount);
                header.putLong(40, deletedCount);
                header.putLong(48, entryHighWater);
                header.putLong(56, garbageBytes);
                header.putInt(64, tableCrc);
                header.putInt(HEADER_CRC_OFFSET, LogFormat.crc(header.array(), 0, HEADER_CRC_OFFSET));
                ShardFiles.writeFully(out, header, 0);
                out.force(true);
            }
            io.move(tmp, target);
            io.fsyncDirectory(target.getParent());
            success = true;
        } finally {
            if (!success) {
                io.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Opens the snapshot of {@code shard} if it indexes log {@code logId} no further than
     * {@code logEnd}; null when there is none usable (the reason is logged). The table is a
     * private view: writable in memory, the file is never changed. When the file cannot be
     * opened for writing (a reader without write permission), it is mapped read-only and
     * {@link IdTable#writable()} is false.
     */
    static IndexSnapshot open(FileIO io, String name, Path shard, long logId, long logEnd) throws IOException {
        Path file = fileOf(shard);
        FileChannel channel;
        FileChannel.MapMode mode = FileChannel.MapMode.PRIVATE;
        try {
            channel = io.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            log.debug("shard {}: no index snapshot; reading the whole log", name);
            return null;
        } catch (AccessDeniedException e) {
            channel = io.open(file, StandardOpenOption.READ);
            mode = FileChannel.MapMode.READ_ONLY;
        }
        try (FileChannel c = channel) {
            IndexSnapshotHeader header = IndexSnapshotHeader.read(c);
            String problem = problem(header, logId, logEnd);
            if (problem != null) {
                log.warn("shard {}: ignoring index snapshot {}: {}; reading the whole log instead", name, file, problem);
                return null;
            }
            IdTable table = IdTable.map(c, HEADER_SIZE, header.capacity(), mode);
            return new IndexSnapshot(table, header.coveredEnd(), header.liveCount(), header.deletedCount(),
                    header.entryHighWater(), header.garbageBytes());
        }
    }

    /** Why a snapshot cannot be used for log {@code logId} ending at {@code logEnd}, or null. */
    private static String problem(IndexSnapshotHeader header, long logId, long logEnd) {
        if (!header.complete()) {
            return "truncated header (" + header.size() + " bytes)";
        }
        if (!header.recognised()) {
            return "not a version " + VERSION + " index snapshot";
        }
        if (!header.crcValid()) {
            return "header checksum mismatch";
        }
        if (!header.capacityFits()) {
            return "capacity " + header.capacity() + " does not fit the file's " + header.size() + " bytes";
        }
        if (header.logId() != logId) {
            return "it indexes another incarnation of the log (log id " + Long.toHexString(header.logId()) + ", the file has "
                    + Long.toHexString(logId) + "; compaction or migration replaced the file)";
        }
        if (header.coveredEnd() < LogFormat.FIRST_RECORD || header.coveredEnd() > logEnd) {
            return "it covers the log up to " + header.coveredEnd() + ", beyond the committed end " + logEnd;
        }
        return null;
    }

    /** Deletes a shard's snapshot and its temporary (the shard file is going away or being rebuilt). */
    static void delete(FileIO io, Path shard) throws IOException {
        io.deleteIfExists(fileOf(shard));
        io.deleteIfExists(ShardFiles.temporary(fileOf(shard)));
    }

    /** Whether a snapshot file exists for the shard (for tools). */
    static boolean exists(Path shard) {
        return Files.exists(fileOf(shard));
    }
}
