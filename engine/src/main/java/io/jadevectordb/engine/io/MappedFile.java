package io.jadevectordb.engine.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

import io.jadevectordb.engine.ShardFailedException;
import io.jadevectordb.engine.shard.Shard;

/**
 * A file mapped into memory in fixed-size chunks, so files larger than 2 GiB work on Java 17
 * (one {@link MappedByteBuffer} cannot exceed {@code Integer.MAX_VALUE} bytes), as Lucene's
 * MMapDirectory does.
 *
 * <p>All multi-byte values are little-endian. Callers keep ints and longs 4/8-byte aligned and
 * chunk sizes are multiples of 4096, so a primitive never straddles two chunks; byte and float
 * runs may, and are split here.
 *
 * <p>Writes go through {@code pwrite} ({@link #write}) into the same page cache the mapping
 * reads; the mapping serves reads only (it is mapped read-only even for a writer). Forces go
 * through the channel ({@code fdatasync}), never through the mapping, so that every write and
 * every force passes the {@link FileIO} seam and a test can record it. Not thread-safe: the owning
 * {@link Shard} serialises access with its lock. Remapping on
 * growth unmaps the old buffers, so no other thread may be reading them at that moment.
 */
public final class MappedFile implements Closeable {

    /** Size of the append buffer: big enough for a batch of vectors, small beside a mapped file. */
    private static final int STAGE_BYTES = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long chunkSize;
    private final int chunkShift;
    private MappedByteBuffer[] chunks;
    /** Per chunk, a little-endian float view of it (positions of floats are 4-byte aligned). */
    private FloatBuffer[] floatViews = new FloatBuffer[0];
    private long length;
    /** Per chunk, the dirty byte range [lo, hi) relative to the chunk, or lo > hi when clean. */
    private int[] dirtyLo;
    private int[] dirtyHi;
    /**
     * Appended bytes not yet written (see {@link #append}): {@code [stageStart, stageStart +
     * stage.position())}. Null until the first append.
     */
    private ByteBuffer stage;
    private long stageStart;
    /** Run before a mapping is unmapped (see {@link #sharedWithOptimisticReaders}). */
    private Runnable beforeUnmap = () -> { };

    private MappedFile(Path path, FileChannel channel, long chunkSize) throws IOException {
        this.path = path;
        this.channel = channel;
        this.chunkSize = chunkSize;
        this.chunkShift = Long.numberOfTrailingZeros(chunkSize);
        this.chunks = new MappedByteBuffer[0];
        this.dirtyLo = new int[0];
        this.dirtyHi = new int[0];
        this.length = channel.size();
        map();
    }

    /**
     * Maps an existing file opened through {@code io}. {@code chunkSize} must be a power of two
     * and a multiple of 4096.
     */
    public static MappedFile open(FileIO io, Path path, boolean readOnly, long chunkSize) throws IOException {
        if (Long.bitCount(chunkSize) != 1 || chunkSize < 4096) {
            throw new IllegalArgumentException("map chunk size must be a power of two >= 4096, was " + chunkSize);
        }
        FileChannel channel = readOnly
                ? io.open(path, StandardOpenOption.READ)
                : io.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        boolean success = false;
        try {
            MappedFile file = new MappedFile(path, channel, chunkSize);
            success = true;
            return file;
        } finally {
            if (!success) {
                channel.close();
            }
        }
    }

    Path path() {
        return path;
    }

    public long length() {
        return length;
    }

    private void map() throws IOException {
        int count = (int) ((length + chunkSize - 1) >>> chunkShift);
        MappedByteBuffer[] next = Arrays.copyOf(chunks, count);
        int keep = chunks.length;
        // The last old chunk may have been partial; it is remapped at its new size.
        if (keep > 0 && chunks[keep - 1].capacity() != chunkSize) {
            keep--;
        }
        int mapped = keep;
        try {
            for (int i = keep; i < count; i++) {
                long start = (long) i << chunkShift;
                long size = Math.min(chunkSize, length - start);
                // Read-only even for a writer: a write through the mapping would bypass the seam (and fail here).
                MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_ONLY, start, size);
                buffer.order(ByteOrder.LITTLE_ENDIAN);
                next[i] = buffer;
                mapped = i + 1;
            }
        } catch (IOException | RuntimeException e) {
            // Nothing replaced yet: the old chunks, the partial one included, stay mapped and in use.
            for (int i = keep; i < mapped; i++) {
                unmap(next[i]);
            }
            throw e;
        }
        // Only now is the old partial chunk replaced, so a failed map never leaves an unmapped chunk in use.
        if (keep < chunks.length) {
            beforeUnmap.run();
            unmap(chunks[keep]);
        }
        int oldCount = dirtyLo.length;
        dirtyLo = Arrays.copyOf(dirtyLo, count);
        dirtyHi = Arrays.copyOf(dirtyHi, count);
        for (int i = oldCount; i < count; i++) {
            dirtyLo[i] = Integer.MAX_VALUE;
            dirtyHi[i] = 0;
        }
        chunks = next;
        FloatBuffer[] views = Arrays.copyOf(floatViews, count);
        for (int i = Math.min(keep, floatViews.length); i < count; i++) {
            views[i] = next[i].duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        }
        floatViews = views;
    }

    /**
     * Grows the file to {@code newLength} with real blocks (see {@link Preallocator}) and maps the
     * new space. On failure (typically a full disk) the file is cut back to its old length and
     * the mapping is unchanged.
     */
    public void extend(long newLength, Preallocator preallocator) throws IOException {
        if (newLength <= length) {
            return;
        }
        flushAppends();
        long oldLength = length;
        boolean success = false;
        try {
            preallocator.extend(path, channel, oldLength, newLength);
            length = newLength;
            try {
                map();
            } catch (IOException e) {
                throw new MapFailedException("map of " + path + " grown to " + newLength + " bytes failed (" + e.getMessage() + ")", e);
            }
            success = true;
        } finally {
            if (!success) {
                length = oldLength;
                try {
                    channel.truncate(oldLength);
                } catch (IOException suppressed) {
                    // the original failure is what the caller needs to see
                }
            }
        }
    }

    /**
     * {@link #extend} allocated the new space but could not map it: the file is cut back and the
     * old mapping stays, yet a writer fails rather than retries (DESIGN.md: a failed map of
     * records fails the shard).
     */
    public static final class MapFailedException extends IOException {
        MapFailedException(String message, IOException cause) {
            super(message, cause);
        }
    }

    private ByteBuffer chunk(long position) {
        return chunks[(int) (position >>> chunkShift)];
    }

    private int offset(long position) {
        return (int) (position & (chunkSize - 1));
    }

    private void markDirty(long position, long len) {
        long end = position + len;
        while (position < end) {
            int c = (int) (position >>> chunkShift);
            int lo = offset(position);
            long chunkEnd = ((long) c + 1) << chunkShift;
            int hi = (int) (Math.min(end, chunkEnd) - ((long) c << chunkShift));
            if (lo < dirtyLo[c]) {
                dirtyLo[c] = lo;
            }
            if (hi > dirtyHi[c]) {
                dirtyHi[c] = hi;
            }
            position = Math.min(end, chunkEnd);
        }
    }

    public int getInt(long position) {
        unstage(position, 4);
        return peekInt(position);
    }

    /**
     * From now on, {@code awaitReaders} runs before a mapping this file replaces (the last
     * chunk, remapped when the file grows) or closes is unmapped: lock-free readers may be
     * reading it, and touching an unmapped buffer crashes the JVM.
     */
    public void sharedWithOptimisticReaders(Runnable awaitReaders) {
        beforeUnmap = awaitReaders;
    }

    // The peek methods are for optimistic readers, which hold no lock: they never write gathered
    // appends (a writer may be gathering them right now) and read only buffers that stay mapped
    // while they read ({@link #sharedWithOptimisticReaders}). What they return may be torn by a concurrent writer,
    // and a torn position may make them throw (an index out of bounds, a chunk not yet published):
    // the caller validates the read as a whole afterwards and discards it, or its exception.

    /** {@link #getInt} for an optimistic reader: gathered appends are not written first. */
    public int peekInt(long position) {
        return chunk(position).getInt(offset(position));
    }

    public long getLong(long position) {
        unstage(position, 8);
        return chunk(position).getLong(offset(position));
    }

    public short getShort(long position) {
        unstage(position, 2);
        return chunk(position).getShort(offset(position));
    }

    public void getBytes(long position, byte[] dst, int off, int len) {
        checkRange(position, len);
        unstage(position, len);
        while (len > 0) {
            ByteBuffer buffer = chunk(position);
            int at = offset(position);
            int n = Math.min(len, buffer.capacity() - at);
            buffer.get(at, dst, off, n);
            position += n;
            off += n;
            len -= n;
        }
    }

    /**
     * Writes bytes with {@code pwrite}, not through the mapping: the page cache is shared, so
     * mapped reads see them at once, and a write does not take a page fault per page (on ext4
     * each first write to a mapped page starts a journal handle to update the file time).
     */
    public void putBytes(long position, byte[] src, int off, int len) throws IOException {
        write(position, ByteBuffer.wrap(src, off, len));
    }

    /** Writes {@code src} (position to limit) at {@code position} with {@code pwrite}. */
    public void write(long position, ByteBuffer src) throws IOException {
        unstage(position, src.remaining());
        markDirty(position, src.remaining());
        while (src.hasRemaining()) {
            position += channel.write(src, position);
        }
    }

    /**
     * Writes {@code src} at {@code position} later: bytes appended right after the previous
     * append are gathered into one buffer and written with one {@code pwrite} by
     * {@link #flushAppends} (or when the buffer is full, or before anything reads or writes that
     * range). Inserts fill consecutive slots, so a batch of them costs one system call instead
     * of one per vector, which is most of what an insert costs. The owner flushes before it
     * lets another thread read.
     */
    public void append(long position, ByteBuffer src) throws IOException {
        int len = src.remaining();
        if (stage != null && stage.position() > 0 && (position != stageStart + stage.position() || len > stage.remaining())) {
            flushAppends();
        }
        if (len > STAGE_BYTES / 2) {
            write(position, src);
            return;
        }
        if (stage == null) {
            stage = ByteBuffer.allocateDirect(STAGE_BYTES);
        }
        if (stage.position() == 0) {
            stageStart = position;
        }
        markDirty(position, len);
        stage.put(src);
    }

    /**
     * Writes the gathered appends. The buffer is cleared only once every byte is written: a
     * failure keeps them gathered (the index already points at them) and must fail the file's
     * owner, never be retried over, so no later force can cover a range that was never written.
     */
    public void flushAppends() throws IOException {
        if (stage == null || stage.position() == 0) {
            return;
        }
        ByteBuffer pending = stage.duplicate().flip();
        long position = stageStart;
        while (pending.hasRemaining()) {
            position += channel.write(pending, position);
        }
        stage.clear();
    }

    /** Before [position, position + len) is read or overwritten, appends gathered over it are written. */
    private void unstage(long position, long len) {
        if (stage != null && stage.position() > 0 && position < stageStart + stage.position() && position + len > stageStart) {
            try {
                flushAppends();
            } catch (IOException e) {
                throw new UncheckedIOException("write of appended bytes to " + path + " failed", e);
            }
        }
    }

    /**
     * A read outside the mapped file is a damaged or misread position (a bad index entry): an
     * error naming the file, never a read of another chunk or a loop that cannot end.
     */
    private void checkRange(long position, long len) {
        if (position < 0 || len < 0 || position + len > length) {
            throw new IndexOutOfBoundsException("read of " + len + " bytes at " + position + " outside " + path + " ("
                    + length + " bytes mapped)");
        }
    }

    /** True when the bytes at {@code position} are {@code expected} (compared in place: no copy). */
    public boolean bytesEqual(long position, byte[] expected) {
        unstage(position, expected.length);
        return peekBytesEqual(position, expected);
    }

    /** {@link #bytesEqual} for an optimistic reader: gathered appends are not written first. */
    public boolean peekBytesEqual(long position, byte[] expected) {
        checkRange(position, expected.length);
        ByteBuffer buffer = chunk(position);
        int at = offset(position);
        int n = expected.length;
        if (at + n <= buffer.capacity()) {
            // The usual case, within one chunk: eight bytes at a time, the last word overlapping the one before.
            if (n >= Long.BYTES) {
                for (int i = 0; i < n - Long.BYTES; i += Long.BYTES) {
                    if (buffer.getLong(at + i) != (long) LONGS.get(expected, i)) {
                        return false;
                    }
                }
                return buffer.getLong(at + n - Long.BYTES) == (long) LONGS.get(expected, n - Long.BYTES);
            }
            for (int i = 0; i < n; i++) {
                if (buffer.get(at + i) != expected[i]) {
                    return false;
                }
            }
            return true;
        }
        for (int i = 0; i < expected.length; i++) {
            long p = position + i;
            if (chunk(p).get(offset(p)) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** Reads {@code dst.length} floats starting at {@code position} (4-byte aligned). */
    public void getFloats(long position, float[] dst) {
        unstage(position, (long) dst.length * Float.BYTES);
        peekFloats(position, dst);
    }

    /** {@link #getFloats} for an optimistic reader: gathered appends are not written first. */
    public void peekFloats(long position, float[] dst) {
        checkRange(position, (long) dst.length * Float.BYTES);
        FloatBuffer[] views = floatViews;
        int off = 0;
        int len = dst.length;
        while (len > 0) {
            int c = (int) (position >>> chunkShift);
            int at = offset(position);
            FloatBuffer view = views[c];
            int n = Math.min(len, (view.capacity() - (at >>> 2)));
            if (n <= 0) {
                // Only a torn read of an optimistic reader gets here (a view of the chunk before it grew): never spin.
                throw new IndexOutOfBoundsException("read of floats at " + position + " beyond a chunk of " + path);
            }
            // A float view per chunk, made once: a bulk get from it allocates nothing (reads are hot).
            view.get(at >>> 2, dst, off, n);
            position += (long) n << 2;
            off += n;
            len -= n;
        }
    }

    /** CRC32C of [position, position + len). */
    public int crc32c(long position, long len) {
        unstage(position, len);
        CRC32C crc = new CRC32C();
        while (len > 0) {
            ByteBuffer buffer = chunk(position);
            int at = offset(position);
            int n = (int) Math.min(len, buffer.capacity() - at);
            crc.update(buffer.slice(at, n));
            position += n;
            len -= n;
        }
        return (int) crc.getValue();
    }

    /** True when something was written since the last {@link #forceDirty()}. */
    public boolean isDirty() {
        if (stage != null && stage.position() > 0) {
            return true;
        }
        for (int i = 0; i < dirtyLo.length; i++) {
            if (dirtyLo[i] < dirtyHi[i]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Forces every range written since the last force to the storage device. Returns the
     * number of bytes in the ranges written since the last force.
     *
     * <p>The force is the channel's {@code fdatasync} ({@code force(false)}): it makes the data
     * and the size durable, not the file times. A grown file needs no separate metadata force:
     * the size and blocks under every written range are durable with it. Unlike a ranged msync
     * it also writes out whatever else of the file is dirty, such as the zero fill of a growth
     * that no data has overwritten yet (at most one growth step).
     *
     * @throws IOException when the kernel reports a write-back failure; the caller must treat
     *                     the file as failed (see {@link ShardFailedException})
     */
    public long forceDirty() throws IOException {
        flushAppends();
        long forced = 0;
        for (int i = 0; i < chunks.length; i++) {
            int lo = dirtyLo[i];
            int hi = dirtyHi[i];
            if (lo < hi) {
                // Clear before forcing: a write racing the force re-marks the range.
                dirtyLo[i] = Integer.MAX_VALUE;
                dirtyHi[i] = 0;
                forced += hi - (lo & ~4095);
            }
        }
        if (forced > 0) {
            channel.force(false);
        }
        return forced;
    }

    /** Forces the whole file, data and metadata: for a file built with plain writes before it is renamed into place. */
    public void forceAll() throws IOException {
        flushAppends();
        Arrays.fill(dirtyLo, Integer.MAX_VALUE);
        Arrays.fill(dirtyHi, 0);
        channel.force(true);
    }

    /**
     * Makes [position, position + len) durable, which must lie in the first chunk (the header
     * page). The channel's {@code fdatasync} covers the whole file; callers force the rest
     * first ({@link #forceDirty}), so only this range is dirty and nothing else is forced early.
     */
    public void forceRange(long position, int len) throws IOException {
        if (position < 0 || position + len > chunkSize) {
            throw new IllegalArgumentException("forceRange must lie in the first chunk: " + position + "+" + len);
        }
        channel.force(false);
    }

    /** Closes without writing gathered appends: the owner flushes them first, or is failing. */
    @Override
    public void close() throws IOException {
        stage = null;
        beforeUnmap.run();
        for (MappedByteBuffer chunk : chunks) {
            unmap(chunk);
        }
        chunks = new MappedByteBuffer[0];
        floatViews = new FloatBuffer[0];
        channel.close();
    }

    /** Little-endian longs of a byte array at any offset, as the chunks read them. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final Method INVOKE_CLEANER;
    private static final Object UNSAFE;

    static {
        Method invokeCleaner = null;
        Object unsafe = null;
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field field = unsafeClass.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            unsafe = field.get(null);
            invokeCleaner = unsafeClass.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Without it, mappings are released by the garbage collector instead.
        }
        INVOKE_CLEANER = invokeCleaner;
        UNSAFE = unsafe;
    }

    /**
     * Releases a mapping now rather than at garbage collection, so a replaced or deleted file
     * does not keep its disk space and address space alive. Callers guarantee that nothing
     * reads the buffer afterwards (the shard's write lock).
     */
    public static void unmap(MappedByteBuffer buffer) {
        if (INVOKE_CLEANER != null && buffer != null) {
            try {
                INVOKE_CLEANER.invoke(UNSAFE, buffer);
            } catch (ReflectiveOperationException e) {
                // fall back to garbage collection
            }
        }
    }
}
