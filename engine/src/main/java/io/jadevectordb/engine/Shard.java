package io.jadevectordb.engine;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.io.MappedFile;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.shard.ShardWriterLock;

/**
 * One shard file: one mapped file, one writer. Applies mutations, serves reads, and makes its
 * contents durable with {@link #commit(long)}: force the dirty ranges, then write the
 * alternate checkpoint copy, then force the header page.
 *
 * <p>Thread-safe: writes, commits and growth take the write lock; reads take the read lock.
 * A second writer, in this or another process, is kept out by an OS lock on a sibling
 * {@code .lock} file (the shard itself is replaced by rename when its index grows).
 */
public final class Shard implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(Shard.class);

    private final String name;
    private final Path path;
    private final boolean readOnly;
    private final StoreOptions options;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Null for read-only views. */
    private final ShardWriterLock writerLock;

    private MappedFile file;
    private ShardFormat format;
    private ShardIndex index;
    private Checkpoint checkpoint;
    private long slotCount;
    private long liveCount;
    private long deletedCount;
    /** Highest source offset this shard has seen, at least its checkpoint's. */
    private long appliedThrough;
    /**
     * Highest offset recorded in any entry (kept in the checkpoint's entry high-water mark). After
     * a crash it may exceed the checkpoint without every mutation below it being present, so it
     * never becomes a resume point; it only keeps the direct API's own offsets increasing.
     */
    private long highestEntryOffset = -1;
    private boolean recovered;
    /** Reused to build a slot's bytes (guarded by the write lock). */
    private ByteBuffer slotBuffer;
    private FloatBuffer slotFloats;
    private final CRC32C slotCrc = new CRC32C();
    private boolean failed;
    private boolean closed;

    private Shard(String name, Path path, boolean readOnly, StoreOptions options, ShardWriterLock writerLock) {
        this.name = name;
        this.path = path;
        this.readOnly = readOnly;
        this.options = options;
        this.writerLock = writerLock;
    }

    /**
     * Opens a shard for writing, creating it when absent; recovers it when it was not closed cleanly.
     *
     * @param name       for messages, e.g. {@code articles/vectors-3.jvdb}
     * @param dimension  the database's dimension; an existing file of another dimension is refused
     * @param maxIdBytes used when the file is created
     */
    public static Shard openForWrite(String name, Path path, int dimension, int maxIdBytes, StoreOptions options) throws IOException {
        Shard shard = new Shard(name, path, false, options, ShardWriterLock.acquire(path));
        boolean success = false;
        try {
            shard.openWritable(dimension, maxIdBytes);
            success = true;
            return shard;
        } finally {
            if (!success) {
                shard.releaseQuietly();
            }
        }
    }

    /**
     * Opens a format 1 shard for migration by a caller that already holds its writer lock
     * (taking it again in this JVM would fail); recovers it when it was not closed cleanly.
     * The caller must not {@link #close} it (that writes a format 1 checkpoint), only
     * {@link #releaseQuietly} it.
     */
    static Shard openForMigration(String name, Path path, StoreOptions options) throws IOException {
        byte[] page = ShardFiles.readPrefix(path, ShardFormat.PAGE_SIZE);
        ShardFormat format = ShardFormat.decode(path, page, Files.size(path));
        Shard shard = new Shard(name, path, false, options, null);
        boolean success = false;
        try {
            shard.openWritable(format.dimension(), format.maxIdBytes());
            success = true;
            return shard;
        } finally {
            if (!success) {
                shard.releaseQuietly();
            }
        }
    }

    /**
     * Opens a shard read-only, without a lock, for tools: safe while a writer appends. No
     * recovery runs, so the view of an uncleanly closed or in-use file may include entries
     * written after its last checkpoint.
     */
    static Shard openReadOnly(String name, Path path, StoreOptions options) throws IOException {
        Shard shard = new Shard(name, path, true, options, null);
        boolean success = false;
        try {
            shard.file = MappedFile.open(options.fileIO(), path, true, options.mapChunkBytes());
            shard.readHeader(-1);
            success = true;
            return shard;
        } finally {
            if (!success) {
                shard.releaseQuietly();
            }
        }
    }

    /** The newest valid checkpoint of a shard file, read without mapping or locking it. */
    public static Checkpoint readCheckpoint(String name, Path path) throws IOException {
        byte[] page = ShardFiles.readPrefix(path, ShardFormat.PAGE_SIZE);
        ShardFormat.decode(path, page, Files.size(path));
        return Checkpoint.newest(name, page);
    }

    private void openWritable(int dimension, int maxIdBytes) throws IOException {
        options.fileIO().deleteIfExists(ShardFiles.temporary(path));
        if (!Files.exists(path)) {
            ShardFormat fresh = ShardFormat.of(dimension, maxIdBytes, ShardFormat.capacityFor(options.expectedVectorsPerShard()));
            Path tmp = ShardFiles.temporary(path);
            ShardFiles.createShardFile(options.fileIO(), tmp, fresh, Checkpoint.initial(), fresh.dataOffset(), options.preallocator());
            ShardFiles.replace(options.fileIO(), tmp, path);
            log.debug("shard {}: created (dimension {}, max id bytes {})", name, dimension, maxIdBytes);
        }
        file = MappedFile.open(options.fileIO(), path, false, options.mapChunkBytes());
        readHeader(dimension);
        if (!checkpoint.clean()) {
            Checkpoint from = checkpoint;
            ShardRecovery.Result result = ShardRecovery.scan(name, file, format, index, checkpoint);
            IndexEntries kept = result.kept();
            highestEntryOffset = Math.max(highestEntryOffset, kept.highestOffset());
            deletedCount = kept.deletedCount();
            liveCount = kept.size() - deletedCount;
            rebuild(kept.capacityFor(index.capacity()), kept, checkpoint.sourceOffset());
            recovered = true;
            log.info("shard {}: recovered after unclean shutdown at checkpoint generation {} (source offset {}): "
                            + "kept {} entries, discarded {} written after the checkpoint or torn, {} to be rewritten by replay",
                    name, from.generation(), from.sourceOffset(), kept.size(), result.discarded(), result.needReplay());
        }
        // Mark the file as open: a crash from here on is an unclean shutdown.
        writeCheckpoint(checkpoint.sourceOffset(), false);
    }

    private void readHeader(int expectedDimension) throws IOException {
        long length = file.length();
        byte[] page = new byte[(int) Math.min(ShardFormat.PAGE_SIZE, length)];
        file.getBytes(0, page, 0, page.length);
        format = ShardFormat.decode(path, page, length);
        if (expectedDimension > 0 && format.dimension() != expectedDimension) {
            throw new CorruptShardException("shard " + name + ": holds vectors of dimension " + format.dimension()
                    + " but its database has dimension " + expectedDimension
                    + "; move the file out of the database directory or recreate the database with dimension " + format.dimension());
        }
        checkpoint = Checkpoint.newest(name, page);
        long needed = format.dataOffset() + checkpoint.slotCount() * format.slotSize();
        if (length < needed) {
            throw new CorruptShardException("shard " + name + ": truncated data region (" + length + " bytes, checkpoint generation "
                    + checkpoint.generation() + " needs " + needed + "); restore the file from a backup or delete it and replay the source");
        }
        index = new ShardIndex(file, format);
        slotCount = checkpoint.slotCount();
        liveCount = checkpoint.liveCount();
        deletedCount = checkpoint.deletedCount();
        appliedThrough = checkpoint.sourceOffset();
        highestEntryOffset = Math.max(checkpoint.entryHighWater(), checkpoint.sourceOffset());
    }

    String name() {
        return name;
    }

    Path path() {
        return path;
    }

    int dimension() {
        return format.dimension();
    }

    /** True when opening this shard ran crash recovery. */
    public boolean wasRecovered() {
        return recovered;
    }

    /**
     * Applies a mutation of the direct API, tagged with the next offset of this shard's own
     * sequence (the shard belongs to {@link SourcePartition#LOCAL}).
     */
    Mutation.Outcome applyNext(Mutation.Op op, String id, byte[] idBytes, float[] vector) throws IOException {
        lock.writeLock().lock();
        try {
            // After a crash, entries may be newer than the checkpoint: the sequence continues above them.
            return apply(new Mutation(op, id, vector, Math.max(appliedThrough, highestEntryOffset) + 1), idBytes);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Applies one validated mutation (see {@link Database#validate}). */
    public Mutation.Outcome apply(Mutation mutation, byte[] id) throws IOException {
        return applyAll(List.of(mutation), m -> id).get(0);
    }

    /** Turns a mutation into its id bytes, or throws {@link InvalidMutationException}. */
    interface IdValidator {
        byte[] validate(Mutation mutation);
    }

    /**
     * Applies a batch in order under one lock hold. Each mutation is validated just before it
     * is applied; an invalid one throws with those before it applied. New vectors are gathered
     * and written together when the batch ends (see {@link MappedFile#append}); if that write
     * fails the shard fails, since index entries already point at them.
     */
    List<Mutation.Outcome> applyAll(List<Mutation> batch, IdValidator validator) throws IOException {
        lock.writeLock().lock();
        try {
            ensureWritable();
            List<Mutation.Outcome> outcomes = new ArrayList<>(batch.size());
            try {
                for (Mutation mutation : batch) {
                    byte[] id = validator.validate(mutation);
                    outcomes.add(applyLocked(mutation, id));
                    appliedThrough = Math.max(appliedThrough, mutation.sourceOffset());
                    highestEntryOffset = Math.max(highestEntryOffset, mutation.sourceOffset());
                }
            } finally {
                flushAppends();
            }
            return outcomes;
        } catch (UncheckedIOException e) {
            throw fail("write of gathered vectors and index entries failed", e.getCause());
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Writes the batch's gathered vectors; their index entries wait for the next force (or until
     * {@link ShardIndex#MAX_PENDING} are held), so more of them share each page written. Vectors
     * always go first: a lock-free reader never finds an entry before its vector.
     */
    private void flushAppends() throws IOException {
        if (failed || closed) {
            return;
        }
        try {
            file.flushAppends();
            if (index.pendingCount() >= ShardIndex.MAX_PENDING) {
                index.flush();
            }
        } catch (IOException | UncheckedIOException e) {
            throw fail("write of gathered vectors and index entries failed", e);
        }
    }

    private Mutation.Outcome applyLocked(Mutation m, byte[] id) throws IOException {
        long hash = ShardIndex.hash(id);
        int position = index.find(id, hash);
        if (position >= 0) {
            if (index.offsetAt(position) >= m.sourceOffset()) {
                return Mutation.Outcome.SKIPPED_STALE;
            }
            int slot = index.slotAt(position);
            boolean deleted = (index.flagsAt(position) & ShardIndex.FLAG_DELETED) != 0;
            switch (m.op()) {
                case DELETE:
                    if (deleted) {
                        return Mutation.Outcome.NOT_FOUND;
                    }
                    index.write(position, hash, slot, ShardIndex.FLAG_OCCUPIED | ShardIndex.FLAG_DELETED, m.sourceOffset(),
                            index.payloadCrcAt(position));
                    liveCount--;
                    deletedCount++;
                    return Mutation.Outcome.APPLIED;
                case UPDATE:
                    if (deleted) {
                        return Mutation.Outcome.NOT_FOUND;
                    }
                    // fall through: an update of a live id is a store in place
                case STORE:
                default:
                    int crc = writePayload(slot, m.vector(), id, false);
                    // At once, not held: the file now has the new vector, and a lock-free reader
                    // must not meet it beside the old entry's checksum for long.
                    index.writeNow(position, hash, slot, ShardIndex.FLAG_OCCUPIED, m.sourceOffset(), crc);
                    if (deleted) {
                        deletedCount--;
                        liveCount++;
                    }
                    return Mutation.Outcome.APPLIED;
            }
        }
        if (m.op() != Mutation.Op.STORE) {
            return Mutation.Outcome.NOT_FOUND;
        }
        if (liveCount + deletedCount + 1 > (long) (index.capacity() * ShardFormat.MAX_LOAD)) {
            // Quadrupling keeps the copies of index growth (which rewrites the file) to a third of the data, amortised.
            growIndex((int) Math.min(index.capacity() * 4L, 1 << 30));
        }
        ensureSlotAvailable();
        int slot = (int) slotCount;
        int crc = writePayload(slot, m.vector(), id, true);
        slotCount++;
        index.write(index.insertionPosition(hash), hash, slot, ShardIndex.FLAG_OCCUPIED, m.sourceOffset(), crc);
        liveCount++;
        return Mutation.Outcome.APPLIED;
    }

    /**
     * Writes vector, id and zero padding into a slot; returns the payload checksum. A new slot
     * (the next one at the end of the data) is appended, so a batch of inserts is one write.
     * The slot is built in one reused buffer: allocating 3 KB per insert showed up as page
     * faults of a growing heap.
     */
    private int writePayload(int slot, float[] vector, byte[] id, boolean newSlot) throws IOException {
        ByteBuffer payload = slotBuffer;
        if (payload == null || payload.capacity() != format.slotSize()) {
            payload = ByteBuffer.allocateDirect(format.slotSize()).order(ByteOrder.LITTLE_ENDIAN);
            slotBuffer = payload;
            slotFloats = payload.asFloatBuffer();
        }
        slotFloats.clear();
        slotFloats.put(vector);
        int idAt = vector.length * Float.BYTES;
        payload.clear().position(idAt);
        payload.putShort((short) id.length).put(id);
        int end = payload.position();
        while (payload.hasRemaining()) {
            payload.put((byte) 0); // padding, which an earlier, longer id may have filled
        }
        payload.position(0).limit(end);
        slotCrc.reset();
        slotCrc.update(payload);
        payload.clear();
        if (newSlot) {
            file.append(format.slotPosition(slot), payload);
        } else {
            file.write(format.slotPosition(slot), payload);
        }
        return (int) slotCrc.getValue();
    }

    private void ensureSlotAvailable() throws IOException {
        if (slotCount < format.slotCapacity(file.length())) {
            return;
        }
        if (slotCount >= Integer.MAX_VALUE) {
            throw new IOException("shard " + name + ": full (" + slotCount + " slots); spread the database over more partitions");
        }
        long needed = format.slotPosition(slotCount + 1);
        long grown = ShardFormat.alignUp(Math.max(needed, file.length() + options.growthBytes()), (long) ShardFormat.PAGE_SIZE);
        try {
            file.extend(grown, options.preallocator());
        } catch (IOException e) {
            throw new IOException("shard " + name + ": cannot grow the file from " + file.length() + " to " + grown
                    + " bytes (" + e.getMessage() + "); free disk space, then retry: nothing committed is lost", e);
        }
    }

    private void growIndex(int newCapacity) throws IOException {
        // The checkpoint offset stays: only a commit of the source says what the whole source has applied.
        rebuild(newCapacity, IndexEntries.of(index), checkpoint.sourceOffset());
        log.debug("shard {}: index grown to {} entries ({} live, {} deleted)", name, newCapacity, liveCount, deletedCount);
    }

    /**
     * Rewrites the file with the given index entries and capacity: a new file holding the data
     * slots below {@code slotCount} and the entries, forced and checkpointed at
     * {@code sourceOffset}, atomically renamed over this one. A crash at any point leaves either
     * the old file or the complete new one.
     */
    private void rebuild(int capacity, IndexEntries entries, long sourceOffset) throws IOException {
        ShardFormat rebuilt = format.withIndexCapacity(capacity);
        Path tmp = ShardFiles.temporary(path);
        long dataBytes = slotCount * format.slotSize();
        long length = ShardFormat.alignUp(rebuilt.dataOffset() + dataBytes + options.growthBytes(), (long) ShardFormat.PAGE_SIZE);
        Checkpoint next = checkpoint.next(sourceOffset, slotCount, liveCount, deletedCount, false, highestEntryOffset);
        boolean success = false;
        try {
            ShardFiles.createShardFile(options.fileIO(), tmp, rebuilt, next, rebuilt.dataOffset(), options.preallocator());
            try (MappedFile target = MappedFile.open(options.fileIO(), tmp, false, options.mapChunkBytes())) {
                // The data region is allocated by writing the data itself (no zero fill first), then the growth tail.
                long from = format.dataOffset();
                long to = rebuilt.dataOffset();
                target.extend(to + dataBytes, (channel, oldLength, newLength) -> {
                    byte[] buffer = new byte[1 << 20];
                    for (long done = 0; done < dataBytes; ) {
                        int n = (int) Math.min(buffer.length, dataBytes - done);
                        file.getBytes(from + done, buffer, 0, n);
                        ShardFiles.writeFully(channel, ByteBuffer.wrap(buffer, 0, n), to + done);
                        done += n;
                    }
                });
                target.extend(length, options.preallocator());
                entries.writeTo(new ShardIndex(target, rebuilt));
                target.forceAll();
            }
            ShardFiles.replace(options.fileIO(), tmp, path);
            success = true;
        } catch (IOException e) {
            throw new IOException("shard " + name + ": cannot grow the index to " + capacity + " entries in a new file of "
                    + length + " bytes (" + e.getMessage() + "); free disk space, then retry: nothing committed is lost", e);
        } finally {
            if (!success) {
                options.fileIO().deleteIfExists(tmp);
            }
        }
        file.close();
        file = MappedFile.open(options.fileIO(), path, false, options.mapChunkBytes());
        format = rebuilt;
        index = new ShardIndex(file, format);
        checkpoint = next;
    }

    /** Reads the live vector of an id, or null. */
    public float[] get(byte[] id) {
        lock.readLock().lock();
        try {
            ensureOpen();
            int position = index.find(id, ShardIndex.hash(id));
            // Offset -1: recovery found this vector torn and replay has not rewritten it yet.
            if (position < 0 || (index.flagsAt(position) & ShardIndex.FLAG_DELETED) != 0 || index.offsetAt(position) < 0) {
                return null;
            }
            float[] vector = new float[format.dimension()];
            file.getFloats(format.slotPosition(index.slotAt(position)), vector);
            return vector;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Visits every live vector (table order). */
    public void scan(BiConsumer<String, float[]> visitor) {
        lock.readLock().lock();
        try {
            ensureOpen();
            for (int p = 0; p < index.capacity(); p++) {
                if (index.hashAt(p) == 0 || (index.flagsAt(p) & ShardIndex.FLAG_DELETED) != 0
                        || (index.flagsAt(p) & ShardIndex.FLAG_OCCUPIED) == 0 || index.offsetAt(p) < 0) {
                    continue; // absent, deleted, or torn and awaiting replay
                }
                int slot = index.slotAt(p);
                if (slot < 0 || slot >= format.slotCapacity(file.length())) {
                    continue; // a read-only view of a file being written
                }
                long idPosition = format.idPosition(slot);
                int length = Math.min(Short.toUnsignedInt(file.getShort(idPosition)), format.maxIdBytes());
                byte[] id = new byte[length];
                file.getBytes(idPosition + 2, id, 0, length);
                float[] vector = new float[format.dimension()];
                file.getFloats(format.slotPosition(slot), vector);
                visitor.accept(new String(id, StandardCharsets.UTF_8), vector);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Makes every applied mutation durable, then records {@code sourceOffset} as the checkpoint
     * (never moving it backwards). Returns only when both are on disk.
     *
     * <p>The caller vouches that every mutation of the source up to {@code sourceOffset} that
     * belongs in this shard has been applied. Nothing else moves a checkpoint forward: closing or
     * rebuilding a shard keeps its checkpoint, because a shard alone cannot know whether an
     * earlier mutation of its source, meant for another database, is still waiting to be applied.
     */
    public void commit(long sourceOffset) throws IOException {
        lock.writeLock().lock();
        try {
            ensureWritable();
            forceLocked();
            writeCheckpoint(Math.max(sourceOffset, checkpoint.sourceOffset()), false);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Commits the direct API's own sequence: every mutation it applied is its own source's whole history. */
    void commitApplied() throws IOException {
        lock.writeLock().lock();
        try {
            commit(appliedThrough);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Forces dirty ranges early (the background flusher); writes no checkpoint. */
    long forceDirty() throws IOException {
        lock.writeLock().lock();
        try {
            if (closed || failed || readOnly) {
                return 0;
            }
            return forceLocked();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private long forceLocked() throws IOException {
        try {
            file.flushAppends();
            index.flush();
            return file.forceDirty();
        } catch (IOException | RuntimeException e) {
            throw fail("force of dirty ranges failed", e);
        }
    }

    private void writeCheckpoint(long sourceOffset, boolean clean) throws IOException {
        Checkpoint next = checkpoint.next(sourceOffset, slotCount, liveCount, deletedCount, clean, highestEntryOffset);
        byte[] encoded = next.encode();
        file.putBytes(next.headerOffset(), encoded, 0, encoded.length);
        try {
            file.forceRange(0, ShardFormat.PAGE_SIZE);
        } catch (IOException | RuntimeException e) {
            throw fail("force of checkpoint generation " + next.generation() + " failed", e);
        }
        checkpoint = next;
        appliedThrough = Math.max(appliedThrough, sourceOffset);
    }

    /** A failed force is fatal: close without trusting anything unforced; recovery is reopen plus replay. */
    private ShardFailedException fail(String what, Throwable cause) {
        failed = true;
        log.error("shard {}: {}; closing the shard, it must be reopened and its source replayed from checkpoint offset {}",
                name, what, checkpoint.sourceOffset(), cause);
        releaseQuietly();
        return new ShardFailedException("shard " + name + ": " + what + " (" + cause.getMessage()
                + "); the shard is closed; reopen it and replay the source from offset " + (checkpoint.sourceOffset() + 1), cause);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("shard " + name + " is closed");
        }
    }

    private void ensureWritable() throws ShardFailedException {
        if (failed) {
            throw new ShardFailedException("shard " + name + " failed earlier and was closed; reopen it and replay the source", null);
        }
        ensureOpen();
        if (readOnly) {
            throw new IllegalStateException("shard " + name + " is open read-only");
        }
    }

    public Checkpoint checkpoint() {
        lock.readLock().lock();
        try {
            return checkpoint;
        } finally {
            lock.readLock().unlock();
        }
    }

    public ShardStats stats() throws IOException {
        lock.readLock().lock();
        try {
            ensureOpen();
            return new ShardStats(name, path, Files.size(path), liveCount, deletedCount, slotCount, 0, index.capacity(),
                    checkpoint.generation(), checkpoint.sourceOffset(), checkpoint.clean(), false);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Highest source offset applied (or checkpointed) so far. */
    long appliedThrough() {
        lock.readLock().lock();
        try {
            return appliedThrough;
        } finally {
            lock.readLock().unlock();
        }
    }

    boolean isOpen() {
        return !closed;
    }

    /** True after a failed force: nothing applied since the last checkpoint can be trusted. */
    boolean isFailed() {
        return failed;
    }

    /** Figures of a shard file that is not open, from its header page alone. */
    public static ShardStats statsOf(String name, Path path) throws IOException {
        byte[] page = ShardFiles.readPrefix(path, ShardFormat.PAGE_SIZE);
        long size = Files.size(path);
        ShardFormat format = ShardFormat.decode(path, page, size);
        Checkpoint c = Checkpoint.newest(name, page);
        return new ShardStats(name, path, size, c.liveCount(), c.deletedCount(), c.slotCount(), 0, format.indexCapacity(),
                c.generation(), c.sourceOffset(), c.clean(), false);
    }

    /**
     * Clean close: forces everything and records a clean checkpoint (at the same source offset),
     * so the next open skips recovery. Applied data is durable; replay from the checkpoint skips it.
     */
    @Override
    public void close() throws IOException {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            if (!readOnly && !failed) {
                forceLocked();
                writeCheckpoint(checkpoint.sourceOffset(), true);
            }
            releaseQuietly();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Releases mapping and lock without forcing anything (a crash, as far as the file can tell). */
    public void releaseQuietly() {
        closed = true;
        try {
            if (file != null) {
                file.close();
            }
        } catch (IOException e) {
            log.warn("shard {}: closing the mapping failed", name, e);
        }
        try {
            if (writerLock != null) {
                writerLock.close();
            }
        } catch (IOException e) {
            log.warn("shard {}: releasing the lock failed", name, e);
        }
    }

    // Views for recovery, verification and tests.

    MappedFile file() {
        return file;
    }

    ShardFormat format() {
        return format;
    }

    ShardIndex index() {
        return index;
    }
}
