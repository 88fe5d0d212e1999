package io.jadevectordb.engine.index;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import io.jadevectordb.engine.io.MappedFile;
import io.jadevectordb.engine.io.ShardFiles;

/**
 * The entries of a version 2 shard's hash index, off the Java heap: {@code capacity} entries of
 * 32 bytes off the Java heap, chunked so tables beyond 2 GiB work.
 *
 * <pre>
 * offset size field
 *   0     8  idHash (0: empty entry)
 *   8     8  position of the log record that last wrote the id
 *  16     8  sourceOffset of that record
 *  24     4  flags: bit 0 occupied, bit 1 deleted
 *  28     4  length of that record
 * </pre>
 *
 * <p>A table is either a private (copy-on-write) view of an index snapshot, a file whose blocks
 * exist (opening is O(1); pages are copied into process memory only when written), or fresh
 * anonymous memory ({@link #allocate}: direct buffers, counted against the JVM's direct memory
 * limit and refused with an {@link IOException} beyond it). Never a file in a memory file
 * system ({@code /dev/shm}): its pages are allocated at fault time, outside the process's RSS,
 * and a full one raises a SIGBUS in the middle of an index update. Not thread-safe: the owning
 * shard serialises access.
 */
public final class IdTable implements Closeable {

    public static final int ENTRY_SIZE = 32;
    public static final int FLAG_OCCUPIED = 1;
    public static final int FLAG_DELETED = 2;
    /** In the old table of a growth in progress: the id's entry has moved to the new table. */
    static final int FLAG_MOVED = 4;
    public static final long MIN_CAPACITY = 64;
    static final double MAX_LOAD = 0.75;
    /** Entries per mapping: 2^25 entries = 1 GiB. */
    private static final int CHUNK_SHIFT = 25;
    private static final long CHUNK_MASK = (1L << CHUNK_SHIFT) - 1;

    private final long capacity;
    private final ByteBuffer[] chunks;
    private final boolean writable;

    private IdTable(long capacity, ByteBuffer[] chunks, boolean writable) {
        this.capacity = capacity;
        this.chunks = chunks;
        this.writable = writable;
    }

    /** The smallest power-of-two capacity that holds {@code ids} below the load limit. */
    public static long capacityFor(long ids) {
        long capacity = MIN_CAPACITY;
        while (ids > (long) (capacity * MAX_LOAD)) {
            capacity <<= 1;
        }
        return capacity;
    }

    /**
     * The prefix of the scratch files older versions made next to {@code near} for fresh tables
     * (an open deletes those a crash left).
     */
    public static String scratchPrefix(Path near) {
        return ShardFiles.indexScratchPrefix(near);
    }

    /**
     * A zeroed table of {@code capacity} entries in anonymous memory (direct buffers, one per
     * chunk): no file backs it, so nothing can fault it in later and fail with a SIGBUS; the
     * memory is reserved and zeroed here and counts where it should (the process's RSS and the
     * JVM's direct memory limit). Refused with an {@link IOException} naming {@code shard} when
     * that limit or the system cannot provide it.
     */
    public static IdTable allocate(String shard, long capacity) throws IOException {
        checkCapacity(capacity);
        int count = chunkCount(capacity);
        ByteBuffer[] chunks = new ByteBuffer[count];
        IdTable table = new IdTable(capacity, chunks, true);
        long perChunk = 1L << CHUNK_SHIFT;
        boolean success = false;
        try {
            for (int i = 0; i < count; i++) {
                long entries = Math.min(perChunk, capacity - (long) i * perChunk);
                chunks[i] = ByteBuffer.allocateDirect((int) (entries * ENTRY_SIZE)).order(ByteOrder.LITTLE_ENDIAN);
            }
            success = true;
            return table;
        } catch (OutOfMemoryError e) {
            // The JVM refuses a direct buffer beyond -XX:MaxDirectMemorySize (or when malloc fails):
            // nothing was touched yet, so this is an ordinary refusal, not a lost JVM.
            throw new IOException("shard " + shard + ": cannot allocate " + capacity * ENTRY_SIZE + " bytes for an index of "
                    + capacity + " entries (" + e.getMessage() + "); index memory is direct memory outside the heap: raise"
                    + " -XX:MaxDirectMemorySize (default: the maximum heap size), or keep fewer or smaller shards open", e);
        } finally {
            if (!success) {
                table.close();
            }
        }
    }

    private static void checkCapacity(long capacity) {
        if (Long.bitCount(capacity) != 1 || capacity < MIN_CAPACITY) {
            throw new IllegalArgumentException("index capacity must be a power of two >= " + MIN_CAPACITY + ", was " + capacity);
        }
    }

    private static int chunkCount(long capacity) {
        long perChunk = 1L << CHUNK_SHIFT;
        return (int) ((capacity + perChunk - 1) / perChunk);
    }

    /**
     * Maps {@code capacity} entries starting at {@code offset} of {@code channel}: privately
     * (writable, changes stay in memory) or read-only.
     */
    public static IdTable map(FileChannel channel, long offset, long capacity, FileChannel.MapMode mode) throws IOException {
        checkCapacity(capacity);
        long perChunk = 1L << CHUNK_SHIFT;
        int count = chunkCount(capacity);
        ByteBuffer[] chunks = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            long entries = Math.min(perChunk, capacity - (long) i * perChunk);
            chunks[i] = channel.map(mode, offset + ((long) i << CHUNK_SHIFT) * ENTRY_SIZE, entries * ENTRY_SIZE);
            chunks[i].order(ByteOrder.LITTLE_ENDIAN);
        }
        return new IdTable(capacity, chunks, mode != FileChannel.MapMode.READ_ONLY);
    }

    public long capacity() {
        return capacity;
    }

    long bytes() {
        return capacity * ENTRY_SIZE;
    }

    private ByteBuffer chunk(long entry) {
        return chunks[(int) (entry >>> CHUNK_SHIFT)];
    }

    private static int at(long entry) {
        return (int) (entry & CHUNK_MASK) * ENTRY_SIZE;
    }

    public long hashAt(long entry) {
        return chunk(entry).getLong(at(entry));
    }

    public long positionAt(long entry) {
        return chunk(entry).getLong(at(entry) + 8);
    }

    public long offsetAt(long entry) {
        return chunk(entry).getLong(at(entry) + 16);
    }

    public int flagsAt(long entry) {
        return chunk(entry).getInt(at(entry) + 24);
    }

    public int lengthAt(long entry) {
        return chunk(entry).getInt(at(entry) + 28);
    }

    public boolean deletedAt(long entry) {
        return (flagsAt(entry) & FLAG_DELETED) != 0;
    }

    public void set(long entry, long hash, long position, long sourceOffset, int flags, int length) {
        ByteBuffer b = chunk(entry);
        int at = at(entry);
        b.putLong(at, hash);
        b.putLong(at + 8, position);
        b.putLong(at + 16, sourceOffset);
        b.putInt(at + 24, flags);
        b.putInt(at + 28, length);
    }

    void setFlags(long entry, int flags) {
        chunk(entry).putInt(at(entry) + 24, flags);
    }

    public void setPosition(long entry, long position) {
        chunk(entry).putLong(at(entry) + 8, position);
    }

    /** The first entry of {@code hash}'s probe sequence that is empty. */
    long emptyEntryFor(long hash) {
        long mask = capacity - 1;
        for (long p = hash & mask; ; p = (p + 1) & mask) {
            if (hashAt(p) == 0) {
                return p;
            }
        }
    }

    /** A table of {@code newCapacity} holding every entry of this one (ids keep their records). */
    public IdTable grow(String shard, long newCapacity) throws IOException {
        IdTable grown = allocate(shard, newCapacity);
        boolean success = false;
        try {
            for (long p = 0; p < capacity; p++) {
                long hash = hashAt(p);
                if (hash != 0) {
                    grown.set(grown.emptyEntryFor(hash), hash, positionAt(p), offsetAt(p), flagsAt(p), lengthAt(p));
                }
            }
            success = true;
            return grown;
        } finally {
            if (!success) {
                grown.close();
            }
        }
    }

    /** Copies every entry into {@code target}, a table of the same capacity (what a background snapshot writes from). */
    void copyInto(IdTable target) {
        if (target.capacity != capacity) {
            throw new IllegalArgumentException("copy of a table of " + capacity + " entries into one of " + target.capacity);
        }
        for (int i = 0; i < chunks.length; i++) {
            target.chunks[i].duplicate().clear().put(chunks[i].duplicate().clear());
        }
    }

    /** Writes every entry, in order, at {@code position} of {@code out}; returns their CRC32C. */
    int writeTo(FileChannel out, long position) throws IOException {
        CRC32C crc = new CRC32C();
        for (ByteBuffer chunk : chunks) {
            ByteBuffer b = chunk.duplicate().clear();
            crc.update(b.duplicate());
            while (b.hasRemaining()) {
                position += out.write(b, position);
            }
        }
        return (int) crc.getValue();
    }

    /** CRC32C of every entry, in order (what {@link #writeTo} returns). */
    public int crc() {
        CRC32C crc = new CRC32C();
        for (ByteBuffer chunk : chunks) {
            crc.update(chunk.duplicate().clear());
        }
        return (int) crc.getValue();
    }

    public boolean writable() {
        return writable;
    }

    /** Releases the memory now; nothing may read the table afterwards (the owner's write lock). */
    @Override
    public void close() {
        for (int i = 0; i < chunks.length; i++) {
            // Mappings and direct buffers alike (a direct buffer is a MappedByteBuffer to the JDK);
            // anything else is left to the garbage collector.
            if (chunks[i] instanceof MappedByteBuffer buffer) {
                MappedFile.unmap(buffer);
            }
            chunks[i] = null;
        }
    }
}
