package io.jadevectordb.engine;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Random;
import java.util.zip.CRC32C;

/**
 * The entries of a version 2 shard's hash index, off the Java heap: {@code capacity} entries of
 * 32 bytes in private (copy-on-write) memory mappings, chunked so tables beyond 2 GiB work.
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
 * <p>Private mappings cost no heap and no direct-memory budget, so a {@code -Xmx256m} worker
 * can hold tens of millions of ids. A table is either a private view of an index snapshot
 * (opening is O(1); pages are copied only when written) or fresh memory: a private view of a
 * sparse scratch file that is deleted at once. Writes to a private mapping never reach the
 * file, so a sparse scratch file cannot turn a full disk into a SIGBUS. Not thread-safe: the
 * owning shard serialises access.
 */
final class IdTable implements Closeable {

    static final int ENTRY_SIZE = 32;
    static final int FLAG_OCCUPIED = 1;
    static final int FLAG_DELETED = 2;
    /** In the old table of a growth in progress: the id's entry has moved to the new table. */
    static final int FLAG_MOVED = 4;
    static final long MIN_CAPACITY = 64;
    static final double MAX_LOAD = 0.75;
    /** Entries per mapping: 2^25 entries = 1 GiB. */
    private static final int CHUNK_SHIFT = 25;
    private static final long CHUNK_MASK = (1L << CHUNK_SHIFT) - 1;

    private static final Random SCRATCH_IDS = new SecureRandom();
    /** A writable memory file system for scratch files ({@code /dev/shm} on Linux), or null. */
    private static final Path MEMORY_SCRATCH = memoryScratch();

    /**
     * Whether the memory file system has room for the whole table twice over: a small one (a
     * container's default 64 MiB {@code /dev/shm}) must not be where a read of a hole could
     * need a page it does not have.
     */
    private static boolean memoryScratchHolds(long bytes) {
        if (MEMORY_SCRATCH == null) {
            return false;
        }
        try {
            return Files.getFileStore(MEMORY_SCRATCH).getUsableSpace() >= 2 * bytes;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path memoryScratch() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : null;
    }

    private final long capacity;
    private final MappedByteBuffer[] chunks;
    private final boolean writable;

    private IdTable(long capacity, MappedByteBuffer[] chunks, boolean writable) {
        this.capacity = capacity;
        this.chunks = chunks;
        this.writable = writable;
    }

    /** The smallest power-of-two capacity that holds {@code ids} below the load limit. */
    static long capacityFor(long ids) {
        long capacity = MIN_CAPACITY;
        while (ids > (long) (capacity * MAX_LOAD)) {
            capacity <<= 1;
        }
        return capacity;
    }

    /** The prefix of scratch file names next to {@code near} (an open deletes leftovers of a crash). */
    static String scratchPrefix(Path near) {
        return near.getFileName() + ".scratch-";
    }

    /**
     * A zeroed table, in private memory backed by a scratch file next to {@code near} that is
     * deleted at once. The name is unique: two threads (a writer growing its index, a compactor
     * loading one) must never truncate each other's mapped file.
     */
    static IdTable allocate(FileIO io, Path near, long capacity) throws IOException {
        String unique = Long.toHexString(SCRATCH_IDS.nextLong());
        // A hole of a tmpfs file faults in four times faster than one of a disk file system
        // (measured: 0.4 s against 1.5 s for 512 MB), which is most of what an index growth
        // costs; writes to a private mapping are private memory either way. Only with the real
        // file system: a recording seam in tests keeps every file under its own root.
        long bytes = capacity * ENTRY_SIZE;
        Path scratch = io == FileIO.SYSTEM && memoryScratchHolds(bytes)
                ? MEMORY_SCRATCH.resolve("jvdb-" + ProcessHandle.current().pid() + "-" + unique + ".scratch")
                : near.resolveSibling(scratchPrefix(near) + unique);
        try (FileChannel channel = io.open(scratch, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // One byte at the end makes the file long enough to map; the rest stays a hole.
            channel.write(ByteBuffer.wrap(new byte[1]), bytes - 1);
            return map(channel, 0, capacity, FileChannel.MapMode.PRIVATE);
        } finally {
            io.deleteIfExists(scratch);
        }
    }

    /**
     * Maps {@code capacity} entries starting at {@code offset} of {@code channel}: privately
     * (writable, changes stay in memory) or read-only.
     */
    static IdTable map(FileChannel channel, long offset, long capacity, FileChannel.MapMode mode) throws IOException {
        if (Long.bitCount(capacity) != 1 || capacity < MIN_CAPACITY) {
            throw new IllegalArgumentException("index capacity must be a power of two >= " + MIN_CAPACITY + ", was " + capacity);
        }
        long perChunk = 1L << CHUNK_SHIFT;
        int count = (int) ((capacity + perChunk - 1) / perChunk);
        MappedByteBuffer[] chunks = new MappedByteBuffer[count];
        for (int i = 0; i < count; i++) {
            long entries = Math.min(perChunk, capacity - (long) i * perChunk);
            chunks[i] = channel.map(mode, offset + ((long) i << CHUNK_SHIFT) * ENTRY_SIZE, entries * ENTRY_SIZE);
            chunks[i].order(ByteOrder.LITTLE_ENDIAN);
        }
        return new IdTable(capacity, chunks, mode != FileChannel.MapMode.READ_ONLY);
    }

    long capacity() {
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

    long hashAt(long entry) {
        return chunk(entry).getLong(at(entry));
    }

    long positionAt(long entry) {
        return chunk(entry).getLong(at(entry) + 8);
    }

    long offsetAt(long entry) {
        return chunk(entry).getLong(at(entry) + 16);
    }

    int flagsAt(long entry) {
        return chunk(entry).getInt(at(entry) + 24);
    }

    int lengthAt(long entry) {
        return chunk(entry).getInt(at(entry) + 28);
    }

    boolean deletedAt(long entry) {
        return (flagsAt(entry) & FLAG_DELETED) != 0;
    }

    void set(long entry, long hash, long position, long sourceOffset, int flags, int length) {
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

    void setPosition(long entry, long position) {
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
    IdTable grow(FileIO io, Path near, long newCapacity) throws IOException {
        IdTable grown = allocate(io, near, newCapacity);
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
        for (MappedByteBuffer chunk : chunks) {
            ByteBuffer b = chunk.duplicate().clear();
            crc.update(b.duplicate());
            while (b.hasRemaining()) {
                position += out.write(b, position);
            }
        }
        return (int) crc.getValue();
    }

    /** CRC32C of every entry, in order (what {@link #writeTo} returns). */
    int crc() {
        CRC32C crc = new CRC32C();
        for (MappedByteBuffer chunk : chunks) {
            crc.update(chunk.duplicate().clear());
        }
        return (int) crc.getValue();
    }

    boolean writable() {
        return writable;
    }

    /** Releases the memory now; nothing may read the table afterwards (the owner's write lock). */
    @Override
    public void close() {
        for (int i = 0; i < chunks.length; i++) {
            MappedFile.unmap(chunks[i]);
            chunks[i] = null;
        }
    }
}
