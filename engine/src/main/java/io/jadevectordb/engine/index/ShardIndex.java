package io.jadevectordb.engine.index;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import io.jadevectordb.engine.CorruptShardException;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.io.MappedFile;
import io.jadevectordb.engine.shard.Shard;
import io.jadevectordb.engine.shard.ShardView;

/**
 * A version 2 shard's id index: the {@link IdTable} of id to newest record, plus the log the
 * records live in, with the counts the table implies. Shared by the writer ({@link Shard})
 * and lock-free readers ({@link ShardView}); both bring the table up to a log position with
 * {@link #indexRange}. Ids are compared in full against the log: a hash match alone is never a
 * key match. Not thread-safe: the owner serialises access.
 */
public final class ShardIndex implements Closeable {

    /** 64-bit hash of id bytes (FNV-1a, then a murmur3 finaliser); never 0, which marks an empty entry. */
    public static long hash(byte[] id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == 0 ? 1 : h;
    }

    private final String name;
    private final ShardFormat format;
    /** Marks an entry of the old table during a growth (see {@link #find}). */
    static final long IN_OLD = 1L << 62;
    /** Old-table slots a mutation moves during a growth: twice the rate at which inserts fill the new table. */
    static final int SLOTS_PER_STEP = 8;

    private IdTable table;
    /** While a growth is in progress: the table entries move out of, and the next slot to move. */
    private IdTable old;
    private long cursor;
    private MappedFile log;
    private long liveCount;
    private long deletedCount;
    private long garbageBytes;
    private long entryHighWater;
    private byte[] recordBytes = new byte[0];
    private final CRC32C crc = new CRC32C();
    /** Run before a table is freed (see {@link #sharedWithOptimisticReaders}). */
    private Runnable beforeFree = () -> { };

    public ShardIndex(String name, ShardFormat format, IdTable table, MappedFile log, long liveCount,
             long deletedCount, long garbageBytes, long entryHighWater) {
        this.name = name;
        this.format = format;
        this.table = table;
        this.log = log;
        this.liveCount = liveCount;
        this.deletedCount = deletedCount;
        this.garbageBytes = garbageBytes;
        this.entryHighWater = entryHighWater;
    }

    /**
     * The whole table: a growth in progress is completed first (a pause proportional to what is
     * left of it). For snapshots, scans and checks; lookups go through {@link #find}.
     */
    public IdTable table() {
        finishGrowth();
        return table;
    }

    /** Entries of the current table (the larger one while a growth moves entries into it). */
    public long capacity() {
        return table.capacity();
    }

    public long tableBytes() {
        return table.bytes();
    }

    /** True while a growth still has entries to move from the old table. */
    public boolean growing() {
        return old != null;
    }

    public void log(MappedFile file) {
        this.log = file;
    }

    /**
     * From now on, {@code awaitReaders} runs before a table this index drops (the old one when a
     * growth completes, both at {@link #close}) is freed: a lock-free reader ({@link #peekVector})
     * may be reading it, and touching freed memory can crash the JVM.
     */
    public void sharedWithOptimisticReaders(Runnable awaitReaders) {
        beforeFree = awaitReaders;
    }

    public long liveCount() {
        return liveCount;
    }

    public long deletedCount() {
        return deletedCount;
    }

    public long garbageBytes() {
        return garbageBytes;
    }

    public void resetGarbage() {
        garbageBytes = 0;
    }

    public long entryHighWater() {
        return entryHighWater;
    }

    /**
     * The entry holding {@code id}, or -1: in the current table, or (while a growth is in
     * progress) in the old one, marked with {@link #IN_OLD}. Read its fields with this class's
     * accessors. Reads only: safe under a read lock.
     */
    public long find(byte[] id, long hash) {
        long entry = probe(table, log, id, hash, -1);
        if (entry >= 0 || old == null) {
            return entry;
        }
        long inOld = probe(old, log, id, hash, -1);
        return inOld < 0 ? -1 : inOld | IN_OLD;
    }

    /**
     * The live vector of {@code id} for an optimistic reader, which holds no lock: the index and
     * log as they are, read without writing gathered appends, copied into a new array; null when
     * the id has no live vector. Meaningful only if the caller then validates that no writer ran
     * meanwhile (see {@code ShardLock}); until then the result may be torn or of another id, and
     * a torn table or position may make this throw, which the caller treats as a failed
     * validation. Memory it reads stays allocated while it reads ({@link #sharedWithOptimisticReaders}).
     */
    public float[] peekVector(byte[] id, long hash, int dimension) {
        // Each field once: a writer may swap them meanwhile, and the reads below must be of one of each.
        MappedFile file = log;
        IdTable t = table;
        IdTable previous = old;
        int livePayload = dimension * Float.BYTES;
        long slot = probe(t, file, id, hash, livePayload);
        if (slot < 0) {
            if (previous == null) {
                return null;
            }
            t = previous;
            slot = probe(t, file, id, hash, livePayload);
            if (slot < 0) {
                return null;
            }
        }
        if (t.deletedAt(slot) || t.offsetAt(slot) == ShardFormat.PLACEHOLDER_OFFSET) {
            return null;
        }
        float[] vector = new float[dimension];
        file.peekFloats(t.positionAt(slot) + ShardFormat.RECORD_HEADER, vector);
        return vector;
    }

    /**
     * The slot of {@code id} in {@code t}, or -1. {@code livePayload} (the payload bytes of a
     * live record) >= 0: for an optimistic reader (no gathered appends written; at most one lap
     * of the table, whatever a writer does meanwhile); -1: for the lock holder.
     */
    private static long probe(IdTable t, MappedFile log, byte[] id, long hash, int livePayload) {
        long capacity = t.capacity();
        long mask = capacity - 1;
        long p = hash & mask;
        for (long probed = 0; probed < capacity; probed++, p = (p + 1) & mask) {
            long h = t.hashAt(p);
            if (h == 0) {
                return -1;
            }
            // A moved entry of the old table still links its probe chain, but the id lives in the new table.
            if (h == hash && (t.flagsAt(p) & IdTable.FLAG_MOVED) == 0 && (livePayload < 0
                    ? idEquals(log, t.positionAt(p), id) : peekIdEquals(log, t, p, id, livePayload))) {
                return p;
            }
        }
        return -1; // a full lap: only an optimistic reader racing a writer; its validation fails
    }

    private IdTable tableOf(long entry) {
        return (entry & IN_OLD) != 0 ? old : table;
    }

    private static long slotOf(long entry) {
        return entry & ~IN_OLD;
    }

    public long offsetAt(long entry) {
        return tableOf(entry).offsetAt(slotOf(entry));
    }

    public long positionAt(long entry) {
        return tableOf(entry).positionAt(slotOf(entry));
    }

    public int lengthAt(long entry) {
        return tableOf(entry).lengthAt(slotOf(entry));
    }

    public boolean deletedAt(long entry) {
        return tableOf(entry).deletedAt(slotOf(entry));
    }

    /**
     * {@link #idEquals} for an optimistic reader. Where the id lies is predicted from the table
     * alone (after a live vector, or right after the header of a tombstone), so its bytes are
     * loaded alongside the header rather than after it: two cache misses overlap instead of
     * adding up. The header then confirms the prediction; a record of another shape (a
     * placeholder) is compared the general way.
     */
    private static boolean peekIdEquals(MappedFile log, IdTable t, long slot, byte[] id, int livePayload) {
        long position = t.positionAt(slot);
        int payload = t.deletedAt(slot) ? 0 : livePayload;
        long predicted = position + ShardFormat.RECORD_HEADER + payload;
        boolean bytesMatch = predicted + id.length <= log.length() && log.peekBytesEqual(predicted, id);
        int idLength = log.peekInt(position + 4) >>> 16;
        int storedPayload = log.peekInt(position + 16);
        if (storedPayload != payload) {
            return idLength == id.length && log.peekBytesEqual(position + ShardFormat.RECORD_HEADER + storedPayload, id);
        }
        return bytesMatch && idLength == id.length;
    }

    private static boolean idEquals(MappedFile log, long position, byte[] id) {
        int word = log.getInt(position + 4);
        if ((word >>> 16) != id.length) {
            return false;
        }
        return log.bytesEqual(position + ShardFormat.RECORD_HEADER + log.getInt(position + 16), id);
    }

    /**
     * Moves a few entries of a growth in progress into the new table: a mutation calls it
     * before it looks its id up (under the writer's lock), so a growth is spread over the next
     * inserts instead of one pause (0.9 s at 8M -> 16M entries when done at once).
     */
    public void step() {
        if (old == null) {
            return;
        }
        long end = Math.min(old.capacity(), cursor + SLOTS_PER_STEP);
        for (; cursor < end; cursor++) {
            long hash = old.hashAt(cursor);
            int flags = old.flagsAt(cursor);
            if (hash != 0 && (flags & IdTable.FLAG_MOVED) == 0) {
                table.set(table.emptyEntryFor(hash), hash, old.positionAt(cursor), old.offsetAt(cursor), flags,
                        old.lengthAt(cursor));
                old.setFlags(cursor, flags | IdTable.FLAG_MOVED);
            }
        }
        if (cursor == old.capacity()) {
            IdTable moved = old;
            old = null;
            beforeFree.run();
            moved.close();
        }
    }

    /** Moves whatever a growth in progress has left. */
    public void finishGrowth() {
        while (old != null) {
            step();
        }
    }

    /**
     * Makes room for one more id: past the load limit the table doubles. Memory only (records
     * stay where they are), and incremental: the new table takes inserts at once and the old
     * one's entries move over {@link #SLOTS_PER_STEP} slots per mutation ({@link #step}). The
     * old table is visited at twice the rate inserts can fill the new one, so a growth always
     * ends before the next is due. A table that cannot be allocated is refused with the index
     * as it was (nothing is moved before the new table exists).
     */
    public void ensureRoomForInsert() throws IOException {
        if (liveCount + deletedCount + 1 > (long) (table.capacity() * IdTable.MAX_LOAD)) {
            finishGrowth();
            // Allocated before the swap: a failed allocation must not leave the table as its own old table.
            IdTable grown = IdTable.allocate(name, table.capacity() * 2);
            old = table;
            table = grown;
            cursor = 0;
        }
    }

    /**
     * Points {@code id} at the record just written at {@code position}.
     *
     * @param entry the id's entry from {@link #find}, or -1 when it has none (an insert; the
     *              caller made room with {@link #ensureRoomForInsert})
     */
    public void index(long entry, long hash, byte type, long position, long sourceOffset, int length) {
        int flags = IdTable.FLAG_OCCUPIED | (type == ShardFormat.TYPE_DELETE ? IdTable.FLAG_DELETED : 0);
        if (entry >= 0 && (entry & IN_OLD) != 0) {
            // The id has not moved yet: it moves now, with its new record, and its old entry is marked moved.
            long slot = slotOf(entry);
            boolean wasDeleted = old.deletedAt(slot);
            garbageBytes += old.lengthAt(slot);
            old.setFlags(slot, old.flagsAt(slot) | IdTable.FLAG_MOVED);
            table.set(table.emptyEntryFor(hash), hash, position, sourceOffset, flags, length);
            count(wasDeleted, type);
        } else if (entry < 0) {
            table.set(table.emptyEntryFor(hash), hash, position, sourceOffset, flags, length);
            if (type == ShardFormat.TYPE_DELETE) {
                deletedCount++;
            } else {
                liveCount++;
            }
        } else {
            boolean wasDeleted = table.deletedAt(entry);
            garbageBytes += table.lengthAt(entry);
            table.set(entry, hash, position, sourceOffset, flags, length);
            count(wasDeleted, type);
        }
        entryHighWater = Math.max(entryHighWater, sourceOffset);
    }

    /** The counts after an id that was (or was not) deleted gets a record of {@code type}. */
    private void count(boolean wasDeleted, byte type) {
        if (wasDeleted && type == ShardFormat.TYPE_STORE) {
            deletedCount--;
            liveCount++;
        } else if (!wasDeleted && type == ShardFormat.TYPE_DELETE) {
            liveCount--;
            deletedCount++;
        }
    }

    /**
     * Indexes every record in {@code [from, to)} of the log, checking each one whole: the range
     * is committed, so a bad record is damage, not a torn write. Returns the records read.
     */
    public long indexRange(long from, long to) throws IOException {
        long records = 0;
        ByteBuffer view = null;
        for (long position = from; position < to; records++) {
            int length = log.getInt(position);
            String problem = length < ShardFormat.RECORD_HEADER || length % ShardFormat.RECORD_ALIGNMENT != 0
                    || length > format.maxRecordLength() || position + length > to ? "length " + length : null;
            if (problem == null) {
                if (recordBytes.length < length) {
                    recordBytes = new byte[Math.max(length, format.maxPlainRecordLength())];
                    view = null;
                }
                if (view == null) {
                    view = ByteBuffer.wrap(recordBytes).order(ByteOrder.LITTLE_ENDIAN);
                }
                log.getBytes(position, recordBytes, 0, length);
                problem = format.recordProblem(recordBytes, view, length, crc);
            }
            if (problem != null) {
                throw new CorruptShardException("shard " + name + ": committed record at position " + position + " (log end " + to
                        + ") is damaged (" + problem + "); restore the file from a backup, or delete it and replay the source");
            }
            byte type = view.get(4);
            int idLength = Short.toUnsignedInt(view.getShort(6));
            int payload = view.getInt(16);
            byte[] id = new byte[idLength];
            System.arraycopy(recordBytes, ShardFormat.RECORD_HEADER + payload, id, 0, idLength);
            long hash = ShardIndex.hash(id);
            step();
            long entry = find(id, hash);
            if (entry < 0) {
                ensureRoomForInsert();
            }
            index(entry, hash, type, position, view.getLong(8), length);
            position += length;
        }
        return records;
    }



    @Override
    public void close() {
        beforeFree.run();
        table.close();
        if (old != null) {
            old.close();
            old = null;
        }
    }
}
