package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.ByteBuffer;

import io.jadevectordb.engine.io.MappedFile;

/**
 * The open-addressing hash index of a shard file: id -> data slot, with linear probing.
 *
 * <p>Entry layout (32 bytes, little-endian, at {@code 4096 + position * 32}; an all-zero entry
 * is empty):
 * <pre>
 *  0  8  id hash (64-bit, never 0)
 *  8  4  data slot
 *  12 4  flags: bit 0 occupied, bit 1 deleted
 *  16 8  source offset of the mutation that last wrote this id (-1: unknown, replay re-applies)
 *  24 4  payload CRC32C (vector, id length and id bytes of the slot)
 *  28 4  entry CRC32C of bytes 0..27
 * </pre>
 * A hash match is only a candidate: the full id stored in the slot is compared byte for byte.
 * Entries are never removed from the table in place (soft delete sets a flag), so probe chains
 * stay intact; recovery and compaction rebuild the table in a new layout instead.
 *
 * <p>Writes are held here until {@link #flush}, which writes them in position order, one
 * {@code pwrite} per run of nearby entries: a system call per entry costs more than the rest of
 * an insert, and the longer entries wait the more of them share a page. The owner flushes after
 * the vectors the entries point at are written (so a lock-free reader never finds an entry
 * before its vector), before it forces the file, and when {@link #MAX_PENDING} are held. Reads
 * here see held entries.
 */
public final class ShardIndex {

    static final int ENTRY_SIZE = 32;
    static final int FLAG_OCCUPIED = 1;
    static final int FLAG_DELETED = 2;

    /** Entries further apart than this are written with separate calls (never rewriting a whole untouched page). */
    private static final int RUN_GAP_BYTES = 4096;
    private static final int RUN_MAX_BYTES = 1 << 20;

    private final MappedFile file;
    private final ShardFormat format;
    private final int mask;
    /** Most entries held before the owner flushes (about 1.3 MB of heap per shard at most). */
    static final int MAX_PENDING = 32_768;

    /** Entries written but not yet flushed, by table position. */
    private final PendingEntries pending = new PendingEntries();

    ShardIndex(MappedFile file, ShardFormat format) {
        this.file = file;
        this.format = format;
        this.mask = format.indexCapacity() - 1;
    }

    /** 64-bit hash of id bytes (FNV-1a, then a murmur3 finaliser); never 0, which marks an empty entry. */
    public static long hash(byte[] id) {
        return io.jadevectordb.engine.index.ShardIndex.hash(id); // CHECKSTYLE:FQN format 1 and format 2 share this name
    }

    int capacity() {
        return format.indexCapacity();
    }

    static long entryPosition(int position) {
        return ShardFormat.INDEX_OFFSET + (long) position * ENTRY_SIZE;
    }

    /**
     * Finds {@code id}. Returns its table position when present, else {@code -(insertionPosition + 1)}.
     * The table always has an empty entry (load stays below 75%), so the probe terminates.
     */
    int find(byte[] id, long hash) {
        int position = (int) (hash & mask);
        while (true) {
            long stored = hashAt(position);
            if (stored == 0) {
                return -(position + 1);
            }
            if (stored == hash && idEquals(slotAt(position), id)) {
                return position;
            }
            position = (position + 1) & mask;
        }
    }

    private long longAt(int position, int field) {
        if (!pending.isEmpty()) {
            int at = pending.find(position);
            if (at >= 0) {
                return getLong(pending.bytes(), at + field);
            }
        }
        return file.getLong(entryPosition(position) + field);
    }

    private int intAt(int position, int field) {
        if (!pending.isEmpty()) {
            int at = pending.find(position);
            if (at >= 0) {
                return getInt(pending.bytes(), at + field);
            }
        }
        return file.getInt(entryPosition(position) + field);
    }

    private boolean idEquals(int slot, byte[] id) {
        long idPos = format.idPosition(slot);
        int length = Short.toUnsignedInt(file.getShort(idPos));
        if (length != id.length) {
            return false;
        }
        return file.bytesEqual(idPos + 2, id);
    }

    long hashAt(int position) {
        return longAt(position, 0);
    }

    int slotAt(int position) {
        return intAt(position, 8);
    }

    int flagsAt(int position) {
        return intAt(position, 12);
    }

    long offsetAt(int position) {
        return longAt(position, 16);
    }

    int payloadCrcAt(int position) {
        return intAt(position, 24);
    }

    boolean entryCrcValid(int position) {
        return intAt(position, 28) == entryCrc(hashAt(position), slotAt(position),
                flagsAt(position), offsetAt(position), payloadCrcAt(position));
    }

    boolean isEmpty(int position) {
        for (int i = 0; i < ENTRY_SIZE; i += 8) {
            if (longAt(position, i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes a whole entry, with its checksum, at the next {@link #flush}. The entry lies in one
     * sector, so it lands whole or not at all.
     */
    void write(int position, long hash, int slot, int flags, long sourceOffset, int payloadCrc) {
        byte[] entry = encode(hash, slot, flags, sourceOffset, payloadCrc);
        putInt(entry, 28, ShardFormat.crc(entry, 0, 28));
        pending.put(position, entry);
    }

    /**
     * Writes a whole entry now (and holds it too, so a later {@link #flush} writes the same
     * bytes): for an entry whose vector was just rewritten in place.
     */
    void writeNow(int position, long hash, int slot, int flags, long sourceOffset, int payloadCrc) throws IOException {
        write(position, hash, slot, flags, sourceOffset, payloadCrc);
        file.write(entryPosition(position), ByteBuffer.wrap(pending.bytes(), pending.find(position), ENTRY_SIZE));
    }

    /** Number of entries waiting for {@link #flush}. */
    int pendingCount() {
        return pending.size();
    }

    /**
     * Writes the held entries in position order: entries less than a page apart share one
     * {@code pwrite} of the bytes between them (copied from the file, so unchanged). A failure
     * leaves the entries unwritten and must fail the owner.
     */
    void flush() throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        int[] positions = pending.sortedPositions();
        int n = positions.length;
        byte[] run = null;
        int first = 0;
        for (int i = 1; i <= n; i++) {
            boolean endsRun = i == n
                    || entryPosition(positions[i]) - entryPosition(positions[i - 1]) - ENTRY_SIZE > RUN_GAP_BYTES
                    || entryPosition(positions[i]) + ENTRY_SIZE - entryPosition(positions[first]) > RUN_MAX_BYTES;
            if (!endsRun) {
                continue;
            }
            long start = entryPosition(positions[first]);
            int length = (int) (entryPosition(positions[i - 1]) + ENTRY_SIZE - start);
            if (run == null || run.length < length) {
                run = new byte[Math.max(length, ENTRY_SIZE)];
            }
            if (i - first > 1) {
                file.getBytes(start, run, 0, length);
            }
            for (int k = first; k < i; k++) {
                System.arraycopy(pending.bytes(), pending.find(positions[k]), run, (int) (entryPosition(positions[k]) - start),
                        ENTRY_SIZE);
            }
            file.write(start, ByteBuffer.wrap(run, 0, length));
            first = i;
        }
        pending.clear();
    }

    /** The 32 bytes of an entry, checksum field still zero. */
    private static byte[] encode(long hash, int slot, int flags, long sourceOffset, int payloadCrc) {
        byte[] b = new byte[ENTRY_SIZE];
        putLong(b, 0, hash);
        putInt(b, 8, slot);
        putInt(b, 12, flags);
        putLong(b, 16, sourceOffset);
        putInt(b, 24, payloadCrc);
        return b;
    }

    static int entryCrc(long hash, int slot, int flags, long sourceOffset, int payloadCrc) {
        return ShardFormat.crc(encode(hash, slot, flags, sourceOffset, payloadCrc), 0, 28);
    }

    private static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }

    private static int getInt(byte[] b, int at) {
        int v = 0;
        for (int i = 3; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }

    private static void putLong(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private static void putInt(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    /** Position where an entry with {@code hash} goes in a table known not to contain its id. */
    int insertionPosition(long hash) {
        int position = (int) (hash & mask);
        while (hashAt(position) != 0) {
            position = (position + 1) & mask;
        }
        return position;
    }
}
