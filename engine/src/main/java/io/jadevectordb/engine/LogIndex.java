package io.jadevectordb.engine;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A version 2 shard's id index: the {@link IdTable} of id to newest record, plus the log the
 * records live in, with the counts the table implies. Shared by the writer ({@link LogShard})
 * and lock-free readers ({@link LogView}); both bring the table up to a log position with
 * {@link #indexRange}. Ids are compared in full against the log: a hash match alone is never a
 * key match. Not thread-safe: the owner serialises access.
 */
final class LogIndex implements Closeable {

    private final String name;
    private final FileIO io;
    /** Scratch files of grown tables are made next to this path. */
    private Path near;
    private final LogFormat format;
    private IdTable table;
    private MappedFile log;
    private long liveCount;
    private long deletedCount;
    private long garbageBytes;
    private long entryHighWater;
    private byte[] recordBytes = new byte[0];
    private final CRC32C crc = new CRC32C();

    LogIndex(String name, FileIO io, Path near, LogFormat format, IdTable table, MappedFile log, long liveCount,
             long deletedCount, long garbageBytes, long entryHighWater) {
        this.name = name;
        this.io = io;
        this.near = near;
        this.format = format;
        this.table = table;
        this.log = log;
        this.liveCount = liveCount;
        this.deletedCount = deletedCount;
        this.garbageBytes = garbageBytes;
        this.entryHighWater = entryHighWater;
    }

    IdTable table() {
        return table;
    }

    void log(MappedFile file) {
        this.log = file;
    }

    /** Where the scratch files of grown tables go from now on (next to the shard that owns this index). */
    void scratchNear(Path path) {
        this.near = path;
    }

    long liveCount() {
        return liveCount;
    }

    long deletedCount() {
        return deletedCount;
    }

    long garbageBytes() {
        return garbageBytes;
    }

    void resetGarbage() {
        garbageBytes = 0;
    }

    long entryHighWater() {
        return entryHighWater;
    }

    /** The entry holding {@code id}, or -1. */
    long find(byte[] id, long hash) {
        long mask = table.capacity() - 1;
        for (long p = hash & mask; ; p = (p + 1) & mask) {
            long h = table.hashAt(p);
            if (h == 0) {
                return -1;
            }
            if (h == hash && idEquals(table.positionAt(p), id)) {
                return p;
            }
        }
    }

    private boolean idEquals(long position, byte[] id) {
        int word = log.getInt(position + 4);
        if ((word >>> 16) != id.length) {
            return false;
        }
        return log.bytesEqual(position + LogFormat.RECORD_HEADER + log.getInt(position + 16), id);
    }

    /** Grows the table when one more id would pass the load limit (memory only: records stay where they are). */
    void ensureRoomForInsert() throws IOException {
        if (liveCount + deletedCount + 1 > (long) (table.capacity() * IdTable.MAX_LOAD)) {
            IdTable grown = table.grow(io, near, table.capacity() * 2);
            table.close();
            table = grown;
        }
    }

    /**
     * Points {@code id} at the record just written at {@code position}.
     *
     * @param entry the id's entry from {@link #find}, or -1 when it has none (an insert; the
     *              caller made room with {@link #ensureRoomForInsert})
     */
    void index(long entry, long hash, byte type, long position, long sourceOffset, int length) {
        int flags = IdTable.FLAG_OCCUPIED | (type == LogFormat.TYPE_DELETE ? IdTable.FLAG_DELETED : 0);
        if (entry < 0) {
            table.set(table.emptyEntryFor(hash), hash, position, sourceOffset, flags, length);
            if (type == LogFormat.TYPE_DELETE) {
                deletedCount++;
            } else {
                liveCount++;
            }
        } else {
            boolean wasDeleted = table.deletedAt(entry);
            garbageBytes += table.lengthAt(entry);
            table.set(entry, hash, position, sourceOffset, flags, length);
            if (wasDeleted && type == LogFormat.TYPE_STORE) {
                deletedCount--;
                liveCount++;
            } else if (!wasDeleted && type == LogFormat.TYPE_DELETE) {
                liveCount--;
                deletedCount++;
            }
        }
        entryHighWater = Math.max(entryHighWater, sourceOffset);
    }

    /**
     * Indexes every record in {@code [from, to)} of the log, checking each one whole: the range
     * is committed, so a bad record is damage, not a torn write. Returns the records read.
     */
    long indexRange(long from, long to) throws IOException {
        long records = 0;
        ByteBuffer view = null;
        for (long position = from; position < to; records++) {
            int length = log.getInt(position);
            String problem = length < LogFormat.RECORD_HEADER || length % LogFormat.RECORD_ALIGNMENT != 0
                    || length > format.maxRecordLength() || position + length > to ? "length " + length : null;
            if (problem == null) {
                if (recordBytes.length < length) {
                    recordBytes = new byte[format.maxRecordLength()];
                    view = null;
                }
                if (view == null) {
                    view = ByteBuffer.wrap(recordBytes).order(ByteOrder.LITTLE_ENDIAN);
                }
                log.getBytes(position, recordBytes, 0, length);
                problem = check(view, length);
            }
            if (problem != null) {
                throw new CorruptShardException("shard " + name + ": committed record at position " + position + " (log end " + to
                        + ") is damaged (" + problem + "); restore the file from a backup, or delete it and replay the source");
            }
            byte type = view.get(4);
            int idLength = Short.toUnsignedInt(view.getShort(6));
            int payload = view.getInt(16);
            byte[] id = new byte[idLength];
            System.arraycopy(recordBytes, LogFormat.RECORD_HEADER + payload, id, 0, idLength);
            long hash = ShardIndex.hash(id);
            long entry = find(id, hash);
            if (entry < 0) {
                ensureRoomForInsert();
            }
            index(entry, hash, type, position, view.getLong(8), length);
            position += length;
        }
        return records;
    }

    /** Why a whole record read into {@code b} is not valid, or null. */
    private String check(ByteBuffer b, int length) {
        byte type = b.get(4);
        int idLength = Short.toUnsignedInt(b.getShort(6));
        int payload = b.getInt(16);
        int expectedPayload = type == LogFormat.TYPE_STORE ? format.dimension() * Float.BYTES : 0;
        if ((type != LogFormat.TYPE_STORE && type != LogFormat.TYPE_DELETE) || b.get(5) != 0) {
            return "type " + type + ", flags " + b.get(5);
        }
        if (payload != expectedPayload || idLength < 1 || idLength > format.maxIdBytes()
                || LogFormat.recordLength(payload, idLength) != length) {
            return "payload " + payload + " bytes, id " + idLength + " bytes, length " + length;
        }
        crc.reset();
        crc.update(recordBytes, 0, 20);
        crc.update(recordBytes, LogFormat.RECORD_HEADER, payload + idLength);
        int stored = b.getInt(20);
        if (stored != (int) crc.getValue()) {
            return String.format("checksum mismatch: stored %08x, computed %08x", stored, (int) crc.getValue());
        }
        return null;
    }

    @Override
    public void close() {
        table.close();
    }
}
