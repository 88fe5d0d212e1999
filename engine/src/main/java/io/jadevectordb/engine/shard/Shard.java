package io.jadevectordb.engine.shard;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.CorruptShardException;
import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.InvalidMutationException;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.ShardFailedException;
import io.jadevectordb.engine.ShardLockedException;
import io.jadevectordb.engine.ShardMigration;
import io.jadevectordb.engine.ShardStats;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoredVector;
import io.jadevectordb.engine.format.Checkpoint;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.IdTable;
import io.jadevectordb.engine.index.IndexSnapshot;
import io.jadevectordb.engine.index.ShardIndex;
import io.jadevectordb.engine.index.SnapshotWriter;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.Locks;
import io.jadevectordb.engine.io.MappedFile;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.io.Uninterruptibly;
import io.jadevectordb.engine.v1.FormatOneHeader;

/**
 * One version 2 shard: an append-only log of records with an A/B checkpoint pair in its header
 * page, an id index off the heap, and one writer. Every applied mutation appends a record;
 * committed bytes are never overwritten. {@link #commit} forces the appended records, then
 * writes and forces the next checkpoint (which names the committed log end). Opening after a
 * crash therefore restores exactly the last completed commit: the newest index snapshot plus
 * the committed records after it, and nothing past the committed end.
 *
 * <p>Thread-safe: writes, commits and the swap at the end of a compaction take the write
 * lock; reads take the read lock, except {@link #getIfOpen}, which reads optimistically without
 * it ({@link ShardLock}); a compaction's bulk copy takes neither. Since an optimistic reader
 * takes no lock, the mappings and index tables the shard frees (growth, compaction, close) are
 * freed only once no optimistic read is in flight.
 * A second writer, in this or another process, is kept out by an OS lock on the sibling
 * {@code .lock} file.
 */
public final class Shard implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(Shard.class);
    private static final SecureRandom LOG_IDS = new SecureRandom();

    private final String name;
    private final Path path;
    private final StoreOptions options;
    private final FileIO io;
    private final ShardLock lock = new ShardLock();
    private final ShardWriterLock writerLock;

    private MappedFile file;
    private ShardFormat format;
    private Checkpoint checkpoint;
    private ShardIndex index;
    /** Where the next record goes; the committed end is {@code checkpoint.logEnd()}. */
    private long appendPosition;
    private final SnapshotWriter snapshots;
    private long appliedThrough;
    /** After a failed automatic compaction, the log end before which it is not tried again. */
    private long compactionRetryAt;
    private final AtomicBoolean compacting = new AtomicBoolean();
    /** Set when the shard begins to close: a compaction's copy stops at its next buffer. */
    private volatile boolean closing;
    private boolean recovered;
    private boolean failed;
    /** Run before a commit of records writes its checkpoint: the store promotes a provisional database. */
    private volatile Locks.VoidAction<IOException> beforeCommit;
    private boolean closed;
    private ByteBuffer recordBuffer;
    private final CRC32C recordCrc = new CRC32C();

    private Shard(String name, Path path, StoreOptions options, ShardWriterLock writerLock) {
        this.name = name;
        this.path = path;
        this.options = options;
        this.io = options.fileIO();
        this.writerLock = writerLock;
        this.snapshots = new SnapshotWriter(name, io, path, options.backgroundSnapshotEntries());
    }

    /**
     * Opens a shard for writing, creating it when absent, upgrading a version 1 file, and
     * recovering one that was not closed cleanly.
     *
     * @param name       for messages, e.g. {@code articles/vectors-3.jvdb}
     * @param dimension  the database's dimension; an existing file of another dimension is refused
     * @param maxIdBytes used when the file is created
     */
    public static Shard openForWrite(String name, Path path, int dimension, int maxIdBytes, StoreOptions options) throws IOException {
        Shard shard = new Shard(name, path, options, ShardWriterLock.acquire(options.fileIO(), path));
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

    /** The newest valid checkpoint of a shard file, read without mapping or locking it. */
    public static Checkpoint readCheckpoint(String name, Path path) throws IOException {
        byte[] page = ShardFiles.readPrefix(path, ShardFormat.PAGE_SIZE);
        ShardFormat.decode(path, page);
        return Checkpoint.newest(name, page);
    }

    /** The source offset of a shard file's newest checkpoint, for format 1 files too (they are migrated when opened). */
    public static long checkpointOffset(String name, Path path) throws IOException {
        byte[] page = ShardFiles.readPrefix(path, ShardFormat.PAGE_SIZE);
        if (ShardFormat.version(path, page) == 1) {
            return FormatOneHeader.decode(name, path, page, Files.size(path)).checkpoint().sourceOffset();
        }
        return readCheckpoint(name, path).sourceOffset();
    }

    /** A new random log id: each file written whole gets one, so an index snapshot never meets a log it does not describe. */
    public static long newLogId() {
        long id;
        do {
            id = LOG_IDS.nextLong();
        } while (id == 0);
        return id;
    }

    private void openWritable(int dimension, int maxIdBytes) throws IOException {
        io.deleteIfExists(ShardFiles.temporary(path));
        io.deleteIfExists(ShardFiles.temporary(IndexSnapshot.fileOf(path)));
        deleteScratchLeftovers();
        if (!Files.exists(path)) {
            create(dimension, maxIdBytes);
        } else {
            if (ShardFormat.version(path, ShardFiles.readPrefix(io, path, 64)) == 1) {
                ShardMigration.migrate(name, path, options);
            }
            // The rename that made this file (creation, compaction) may have failed in its directory force and the
            // shard been reopened since: its name must be durable before anything is committed through it.
            io.fsyncDirectory(path.getParent());
        }
        file = MappedFile.open(io, path, false, options.mapChunkBytes());
        byte[] page = new byte[(int) Math.min(ShardFormat.PAGE_SIZE, file.length())];
        file.getBytes(0, page, 0, page.length);
        format = ShardFormat.decode(path, page);
        if (format.dimension() != dimension) {
            throw new CorruptShardException("shard " + name + ": holds vectors of dimension " + format.dimension()
                    + " but its database has dimension " + dimension
                    + "; move the file out of the database directory or recreate the database with dimension " + format.dimension());
        }
        checkpoint = Checkpoint.newest(name, page);
        if (file.length() < checkpoint.logEnd()) {
            throw new CorruptShardException("shard " + name + ": truncated log (" + file.length() + " bytes, checkpoint generation "
                    + checkpoint.generation() + " ends at " + checkpoint.logEnd()
                    + "); restore the file from a backup or delete it and replay the source");
        }
        long started = System.nanoTime();
        IndexLoader.Loaded loaded = IndexLoader.load(name, io, path, format, file, checkpoint,
                options.expectedVectorsPerShard());
        index = loaded.index();
        // From here on readers may go without the lock: what the shard frees waits for those in flight.
        file.sharedWithOptimisticReaders(lock::awaitOptimisticReaders);
        index.sharedWithOptimisticReaders(lock::awaitOptimisticReaders);
        snapshots.writes(format.logId(), loaded.snapshotEnd());
        appendPosition = checkpoint.logEnd();
        appliedThrough = checkpoint.sourceOffset();
        recovered = !checkpoint.clean();
        if (recovered) {
            log.info("shard {}: opened after an unclean shutdown at checkpoint generation {} (source offset {}, log end {}): "
                            + "{} live, {} deleted; the index snapshot covered the log to {}, {} records after it read in {} ms",
                    name, checkpoint.generation(), checkpoint.sourceOffset(), checkpoint.logEnd(), index.liveCount(),
                    index.deletedCount(), loaded.snapshotEnd(), loaded.recordsRead(), (System.nanoTime() - started) / 1_000_000);
        }
        // Mark the file as open: a crash from here on is an unclean shutdown.
        writeCheckpoint(checkpoint.sourceOffset(), false);
    }

    /** Older versions made index scratch files that lived for an instant; a crash in that instant left one. */
    private void deleteScratchLeftovers() throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(path.getParent(),
                IdTable.scratchPrefix(path) + "*")) {
            for (Path leftover : leftovers) {
                io.deleteIfExists(leftover);
            }
        }
    }

    private void create(int dimension, int maxIdBytes) throws IOException {
        ShardFormat fresh = new ShardFormat(dimension, maxIdBytes, newLogId());
        Path tmp = ShardFiles.temporary(path);
        boolean success = false;
        try {
            try (FileChannel channel = io.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                options.preallocator().extend(tmp, channel, 0, ShardFormat.PAGE_SIZE + options.growthBytes());
                writeHeaderPage(channel, fresh, Checkpoint.initial());
                channel.force(true);
            }
            IndexSnapshot.delete(io, path); // a stale one of a deleted earlier file would not match anyway
            io.move(tmp, path);
            io.fsyncDirectory(path.getParent());
            success = true;
        } finally {
            if (!success) {
                io.deleteIfExists(tmp);
            }
        }
        log.debug("shard {}: created (format 2, dimension {}, max id bytes {})", name, dimension, maxIdBytes);
    }

    /**
     * Writes the whole header page of a file being built: the static header, one checkpoint
     * copy, zeros elsewhere (so even a file without records is a full page long).
     */
    public static void writeHeaderPage(FileChannel channel, ShardFormat format, Checkpoint checkpoint) throws IOException {
        byte[] page = new byte[ShardFormat.PAGE_SIZE];
        byte[] header = format.encodeStaticHeader();
        System.arraycopy(header, 0, page, 0, header.length);
        byte[] copy = checkpoint.encode();
        System.arraycopy(copy, 0, page, checkpoint.headerOffset(), copy.length);
        ShardFiles.writeFully(channel, ByteBuffer.wrap(page), 0);
    }

    public String name() {
        return name;
    }

    public Path path() {
        return path;
    }

    public int dimension() {
        return format.dimension();
    }

    /** True when opening this shard found it not closed cleanly. */
    public boolean wasRecovered() {
        return recovered;
    }

    /** Applies a mutation of the direct API, tagged with the next offset of this shard's own sequence. */
    public Mutation.Outcome applyNext(Mutation.Op op, String id, byte[] idBytes, float[] vector) throws IOException {
        lock.lockWrite();
        try {
            long next = Math.max(appliedThrough, index.entryHighWater()) + 1;
            return apply(new Mutation(op, id, vector, next), idBytes);
        } finally {
            lock.unlockWrite();
        }
    }

    /** Applies one validated mutation. */
    public Mutation.Outcome apply(Mutation mutation, byte[] id) throws IOException {
        return applyAll(List.of(mutation), m -> id).get(0);
    }

    /** Turns a mutation into its id bytes, or throws {@link InvalidMutationException}. */
    public interface IdValidator {
        byte[] validate(Mutation mutation);
    }

    /**
     * Applies a batch in order under one lock hold. Each mutation is validated just before it is
     * applied; an invalid one throws with those before it applied. The batch's records are
     * gathered and written with one {@code pwrite} when it ends; if that write fails the shard
     * fails, since the index already points at them.
     *
     * <p>Room for the whole batch is preallocated before any of it is applied, so a full disk
     * refuses the batch with nothing applied (retry it once space is freed). Any other I/O
     * failure after a record of the batch was appended fails the shard: a retry would meet
     * half a batch (other outcomes than the first run's), so recovery is reopen plus replay.
     */
    public List<Mutation.Outcome> applyAll(List<Mutation> batch, IdValidator validator) throws IOException {
        lock.lockWrite();
        long batchStart = -1;
        try {
            ensureWritable();
            ensureRoom(batchBytes(batch));
            batchStart = appendPosition;
            List<Mutation.Outcome> outcomes = new ArrayList<>(batch.size());
            try {
                for (Mutation mutation : batch) {
                    byte[] id = validator.validate(mutation);
                    outcomes.add(applyLocked(mutation, id));
                    appliedThrough = Math.max(appliedThrough, mutation.sourceOffset());
                }
            } finally {
                flushAppends();
            }
            return outcomes;
        } catch (UncheckedIOException e) {
            throw fail("write of appended records failed", e.getCause());
        } catch (IOException e) {
            if (!failed && batchStart >= 0 && appendPosition != batchStart) {
                throw fail("applying a batch failed after part of it was appended", e);
            }
            throw e;
        } finally {
            lock.unlockWrite();
        }
    }

    private void flushAppends() throws IOException {
        if (failed || closed) {
            return;
        }
        try {
            file.flushAppends();
        } catch (IOException | UncheckedIOException e) {
            throw fail("write of appended records failed", e);
        }
    }

    /**
     * The most log bytes {@code batch} can append: every mutation with the longest id, a STORE a
     * whole vector, and metadata: its own, or for an UPDATE that keeps the stored metadata, at most
     * the id's current record or the largest metadata of the batch (an earlier UPDATE may set it).
     */
    private long batchBytes(List<Mutation> batch) {
        long bytes = 0;
        int largestMetadata = 0;
        for (Mutation m : batch) {
            if (m.metadata() != null) {
                largestMetadata = Math.max(largestMetadata, m.metadata().length);
            }
        }
        for (Mutation m : batch) {
            int payload = m.op() == Mutation.Op.DELETE ? 0 : format.dimension() * Float.BYTES;
            if (m.metadata() != null) {
                bytes += ShardFormat.recordLength(payload, format.maxIdBytes(), m.metadata().length);
            } else if (m.op() == Mutation.Op.UPDATE) {
                byte[] id = ShardFormat.idBytes(m.id());
                long entry = index.find(id, ShardIndex.hash(id));
                int stored = entry < 0 ? 0 : index.lengthAt(entry);
                bytes += ShardFormat.recordLength(payload, format.maxIdBytes(), Math.max(stored, largestMetadata));
            } else {
                bytes += ShardFormat.recordLength(payload, format.maxIdBytes());
            }
        }
        return bytes;
    }

    private Mutation.Outcome applyLocked(Mutation m, byte[] id) throws IOException {
        long hash = ShardIndex.hash(id);
        index.step();
        long entry = index.find(id, hash);
        if (entry >= 0 && index.offsetAt(entry) >= m.sourceOffset()) {
            return Mutation.Outcome.SKIPPED_STALE;
        }
        boolean present = entry >= 0 && !index.deletedAt(entry);
        byte type;
        switch (m.op()) {
            case DELETE -> {
                if (!present) {
                    return Mutation.Outcome.NOT_FOUND;
                }
                type = ShardFormat.TYPE_DELETE;
            }
            case UPDATE -> {
                if (!present) {
                    return Mutation.Outcome.NOT_FOUND;
                }
                type = ShardFormat.TYPE_STORE;
            }
            default -> type = ShardFormat.TYPE_STORE;
        }
        float[] vector = m.vector();
        // The byte form is copied once, into the record buffer, and not kept past this call.
        ByteBuffer vectorBytes = m.vectorBytes();
        byte[] metadata = m.metadata();
        if (m.op() == Mutation.Op.UPDATE && (!m.hasVector() || metadata == null)) {
            // The UPDATE keeps what it does not carry: read it from the id's current record.
            if (!m.hasVector() && index.offsetAt(entry) == ShardFormat.PLACEHOLDER_OFFSET) {
                return Mutation.Outcome.NOT_FOUND; // migration lost this vector: there is none to keep
            }
            byte[] current = recordAt(entry);
            if (!m.hasVector()) {
                vector = new float[format.dimension()];
                ByteBuffer.wrap(current, ShardFormat.RECORD_HEADER, vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer().get(vector);
            }
            if (metadata == null) {
                metadata = ShardFormat.metadataOf(current, current.length);
            }
        }
        if (entry < 0) {
            index.ensureRoomForInsert();
        }
        long position = appendPosition;
        boolean store = type == ShardFormat.TYPE_STORE;
        int length = append(type, m.sourceOffset(), store ? vector : null, store ? vectorBytes : null, id, store ? metadata : null);
        index.index(entry, hash, type, position, m.sourceOffset(), length);
        return Mutation.Outcome.APPLIED;
    }

    /** Appends one record at the end of the log (gathered; written by {@link #flushAppends}). */
    private int append(byte type, long sourceOffset, float[] vector, ByteBuffer vectorBytes, byte[] id, byte[] metadata)
            throws IOException {
        ByteBuffer buffer = recordBuffer;
        int payload = vector != null ? vector.length * Float.BYTES : vectorBytes != null ? vectorBytes.capacity() : 0;
        int needed = ShardFormat.recordLength(payload, id.length, metadata);
        if (buffer == null || buffer.capacity() < needed) {
            // Sized for records without metadata; grows to the largest metadata record seen.
            buffer = ByteBuffer.allocateDirect(Math.max(needed, format.maxPlainRecordLength())).order(ByteOrder.LITTLE_ENDIAN);
            recordBuffer = buffer;
        }
        int length = vectorBytes != null
                ? ShardFormat.encodeRecord(buffer, type, sourceOffset, vectorBytes, id, metadata, recordCrc)
                : ShardFormat.encodeRecord(buffer, type, sourceOffset, vector, id, metadata, recordCrc);
        ensureRoom(length);
        try {
            file.append(appendPosition, buffer);
        } catch (IOException e) {
            throw fail("write of the record at " + appendPosition + " failed", e);
        }
        appendPosition += length;
        return length;
    }

    /**
     * Grows the log so that {@code length} more bytes fit. Refused without failing the shard
     * only when nothing was written: the preallocation failed (a full disk) and the file is cut
     * back. Gathered records that cannot be written, a map that fails, or a channel closed by an
     * interrupt fail the shard.
     */
    private void ensureRoom(long length) throws IOException {
        if (appendPosition + length <= file.length()) {
            return;
        }
        long grown = ShardFormat.alignUp(Math.max(appendPosition + length, file.length() + options.growthBytes()), ShardFormat.PAGE_SIZE);
        flushAppends(); // a failed write of gathered records fails the shard here, never becomes "cannot grow"
        try {
            file.extend(grown, options.preallocator());
        } catch (MappedFile.MapFailedException | ClosedChannelException e) {
            throw fail("growing the log from " + file.length() + " to " + grown + " bytes failed", e);
        } catch (IOException e) {
            throw new IOException("shard " + name + ": cannot grow the log from " + file.length() + " to " + grown
                    + " bytes (" + e.getMessage() + "); free disk space, then retry: nothing of the batch was applied, nothing committed is lost", e);
        }
    }

    /** What {@link #getIfOpen} returns for a closed shard (compared by identity). */
    public static final float[] NOT_OPEN = new float[0];

    /**
     * Reads the live vector of an id, or null; {@link #NOT_OPEN} when the shard is closed. Sees
     * what {@link #get} sees (applied records), but without the lock in the common case: an
     * optimistic read ({@link ShardLock}) that is kept only if no writer changed the index, the
     * log's mapping or the shard's state meanwhile, and repeated under the read lock otherwise.
     */
    public float[] getIfOpen(byte[] id) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            float[] read = readOptimistically(id, stamp);
            if (read != TORN) {
                return read;
            }
        }
        lock.lockRead();
        try {
            return closed ? NOT_OPEN : getLocked(id);
        } finally {
            lock.unlockRead();
        }
    }

    /** What an optimistic read returns when a writer ran meanwhile (compared by identity). */
    private static final float[] TORN = new float[0];

    /**
     * One optimistic read: plain reads of the shard's fields, the index and the mapped log, kept
     * only if the stamp still validates afterwards. Memory read here stays allocated until the
     * read ends (a writer frees only after {@link ShardLock#awaitOptimisticReaders}), so a torn
     * read can at worst throw, which counts as torn.
     */
    private float[] readOptimistically(byte[] id, long stamp) {
        float[] read;
        try {
            if (closed) {
                read = NOT_OPEN;
            } else {
                read = index.peekVector(id, ShardIndex.hash(id), format.dimension());
            }
        } catch (RuntimeException torn) {
            return TORN;
        } finally {
            lock.endOptimisticRead();
        }
        return lock.validate(stamp) ? read : TORN;
    }

    /** Reads the live vector of an id, or null. */
    public float[] get(byte[] id) {
        lock.lockRead();
        try {
            ensureOpen();
            return getLocked(id);
        } finally {
            lock.unlockRead();
        }
    }

    /** The whole record an index entry points at (written by this shard or checked at open). */
    private byte[] recordAt(long entry) {
        int length = index.lengthAt(entry);
        byte[] record = new byte[length];
        file.getBytes(index.positionAt(entry), record, 0, length);
        return record;
    }

    /** Reads the live vector of an id with its metadata, or null. */
    public StoredVector getEntry(byte[] id) {
        lock.lockRead();
        try {
            ensureOpen();
            long entry = index.find(id, ShardIndex.hash(id));
            if (entry < 0 || index.deletedAt(entry) || index.offsetAt(entry) == ShardFormat.PLACEHOLDER_OFFSET) {
                return null;
            }
            byte[] record = recordAt(entry);
            float[] vector = new float[format.dimension()];
            ByteBuffer.wrap(record, ShardFormat.RECORD_HEADER, vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer().get(vector);
            return new StoredVector(new String(id, StandardCharsets.UTF_8), vector, ShardFormat.metadataOf(record, record.length));
        } finally {
            lock.unlockRead();
        }
    }

    private float[] getLocked(byte[] id) {
        long entry = index.find(id, ShardIndex.hash(id));
        if (entry < 0 || index.deletedAt(entry) || index.offsetAt(entry) == ShardFormat.PLACEHOLDER_OFFSET) {
            return null;
        }
        float[] vector = new float[format.dimension()];
        file.getFloats(index.positionAt(entry) + ShardFormat.RECORD_HEADER, vector);
        return vector;
    }

    /**
     * Visits every live vector the shard holds, applied or committed (index order): for tests and
     * tools of small shards, since it copies them all under the lock first and visits with no
     * lock held (a visitor may then use the store without deadlocking against it, and a growth
     * cannot free the table it reads). Readers scan a {@link ShardView} of the last commit instead
     * ({@link Database#scan}).
     */
    public void scan(BiConsumer<String, float[]> visitor) {
        Map<String, float[]> live = new LinkedHashMap<>();
        // The write lock: a scan needs the whole table, so it completes a growth in progress first.
        lock.lockWrite();
        try {
            ensureOpen();
            ShardView.scan(index.table(), file, format, live::put);
        } finally {
            lock.unlockWrite();
        }
        live.forEach(visitor);
    }

    /**
     * Makes every applied mutation durable, then records {@code sourceOffset} as the checkpoint
     * (never moving it backwards). Returns only when both are on disk.
     *
     * <p>The caller vouches that every mutation of the source up to {@code sourceOffset} that
     * belongs in this shard has been applied.
     */
    public void commit(long sourceOffset) throws IOException {
        // A commit forces and writes the checkpoint, which no read looks at, and snapshots the index only when no
        // growth would have to finish first: lock-free readers go on through its fsyncs (a failure closes the shard,
        // and says so to them).
        lock.lockWriteReadersUnaffected();
        try {
            ensureWritable();
            forceLocked();
            Locks.VoidAction<IOException> before = beforeCommit;
            if (before != null && appendPosition > ShardFormat.FIRST_RECORD) {
                try {
                    before.run();
                } catch (ShardFailedException e) {
                    throw fail("its database could not be made final", e);
                }
            }
            writeCheckpoint(Math.max(sourceOffset, checkpoint.sourceOffset()), false);
            if (appendPosition - snapshots.coveredEnd() > snapshotThreshold()) {
                snapshotIndex(false);
            }
        } finally {
            lock.unlockWrite();
        }
    }

    /**
     * Runs {@code action} in every commit of records, after their force and before the checkpoint
     * (the store promotes the shard's provisional database, {@link Database#promote}). An
     * {@link IOException} of it fails the commit and leaves the shard as it was; a
     * {@link ShardFailedException} fails the shard.
     */
    public void beforeCommit(Locks.VoidAction<IOException> action) {
        beforeCommit = action;
    }

    /** Commits the direct API's own sequence: every mutation it applied is its own source's whole history. */
    public void commitApplied() throws IOException {
        lock.lockWriteReadersUnaffected();
        try {
            commit(appliedThrough);
        } finally {
            lock.unlockWrite();
        }
    }

    /** Forces appended records early (the background flusher); writes no checkpoint. */
    public long forceDirty() throws IOException {
        lock.lockWriteReadersUnaffected();
        try {
            if (closed || failed) {
                return 0;
            }
            return forceLocked();
        } finally {
            lock.unlockWrite();
        }
    }

    private long forceLocked() throws IOException {
        try {
            file.flushAppends();
            return file.forceDirty();
        } catch (IOException | RuntimeException e) {
            throw fail("force of appended records failed", e);
        }
    }

    private void writeCheckpoint(long sourceOffset, boolean clean) throws IOException {
        writeCheckpoint(checkpoint.next(sourceOffset, appendPosition, index.liveCount(), index.deletedCount(), clean,
                index.entryHighWater(), index.garbageBytes(), false));
    }

    private void writeCheckpoint(Checkpoint next) throws IOException {
        long sourceOffset = next.sourceOffset();
        byte[] encoded = next.encode();
        try {
            file.putBytes(next.headerOffset(), encoded, 0, encoded.length);
            file.forceRange(0, ShardFormat.PAGE_SIZE);
        } catch (IOException | RuntimeException e) {
            throw fail("write or force of checkpoint generation " + next.generation() + " failed", e);
        }
        checkpoint = next;
        appliedThrough = Math.max(appliedThrough, sourceOffset);
    }

    /**
     * Log bytes after the snapshot beyond which a new one is written: the time to open after a
     * crash stays proportional to this, and snapshot writes stay at most about one per table's
     * worth of log.
     */
    private long snapshotThreshold() {
        return Math.max(options.indexSnapshotBytes(), index.tableBytes());
    }

    /**
     * Persists the index as of the committed end ({@link SnapshotWriter}: large ones in the
     * background unless {@code now}); a failure costs only a longer next open.
     */
    private void snapshotIndex(boolean now) {
        if (appendPosition != checkpoint.logEnd() || (!now && index.growing())) {
            // The index holds records past the commit (a snapshot claiming the commit would carry them), or a
            // growth is moving entries (a snapshot would first finish it in one pause): next commit.
            return;
        }
        snapshots.write(format.logId(), index.table(), checkpoint.logEnd(), index.liveCount(), index.deletedCount(),
                index.entryHighWater(), index.garbageBytes(), now);
    }

    /**
     * Whether the committed log is long enough and superseded enough to be worth compacting
     * ({@link StoreOptions#withCompaction}); the store's compactor asks after each commit.
     */
    public boolean compactionDue() {
        lock.lockRead();
        try {
            if (closed || failed || compacting.get()) {
                return false;
            }
            long logBytes = checkpoint.logEnd() - ShardFormat.FIRST_RECORD;
            return options.compactionMinBytes() > 0 && logBytes >= options.compactionMinBytes()
                    && checkpoint.logEnd() >= compactionRetryAt
                    && index.garbageBytes() >= logBytes * options.compactionGarbageRatio();
        } finally {
            lock.unlockRead();
        }
    }

    /**
     * Rewrites the log with only the newest record of every id into a new file and renames it
     * over this one, while the shard keeps taking writes: see {@link Compaction}. Tombstones
     * are kept (a deleted id keeps the offset that deleted it, so replay cannot resurrect it). A
     * crash leaves the old file or the new one, each holding exactly the last commit.
     *
     * @return false when another compaction of this shard is running, or the shard closed meanwhile
     */
    public boolean compact() throws IOException {
        return compact(() -> { });
    }

    /** {@link #compact()}, running {@code betweenCopyAndSwap} after the bulk copy (tests interleave writes there). */
    public boolean compact(Runnable betweenCopyAndSwap) throws IOException {
        if (!compacting.compareAndSet(false, true)) {
            return false;
        }
        try {
            if (closing) {
                return false; // a close began; it waits for a compaction it saw, this one it did not
            }
            ensureWritable();
            return Compaction.run(this, betweenCopyAndSwap);
        } catch (Compaction.FailedException e) {
            // Nothing changed; an automatic compaction waits for more log before it tries again.
            lock.lockWrite();
            try {
                compactionRetryAt = checkpoint.logEnd() + options.compactionMinBytes();
            } finally {
                lock.unlockWrite();
            }
            throw e;
        } finally {
            synchronized (compacting) {
                compacting.set(false);
                compacting.notifyAll();
            }
        }
    }

    /** Whether the shard is closing or closed: a compaction in its copy stops (it must not write the shard's files after). */
    public boolean closing() {
        return closing;
    }

    /**
     * Waits, uninterruptibly, until no compaction of this shard runs: it writes the shard's
     * {@code .tmp} file without the shard's lock, and must not after the lock goes. Called
     * before the write lock is taken, since a compaction's last step takes it.
     */
    private void awaitCompaction() {
        boolean interrupted = false;
        synchronized (compacting) {
            while (compacting.get()) {
                try {
                    compacting.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // What Compaction needs of the shard; every method below runs under the write lock.

    ShardLock lock() {
        return lock;
    }

    StoreOptions options() {
        return options;
    }

    /** Whether the shard still writes the log {@code logId} (it may have closed or failed meanwhile). */
    boolean writes(long logId) {
        return !closed && !failed && format.logId() == logId;
    }

    long appendPosition() throws IOException {
        flushAppends();
        return appendPosition;
    }

    /**
     * Makes a compacted file, already renamed over this shard's, the shard's: its index, its
     * checkpoint, its append position. Writes its first index snapshot.
     */
    void adoptCompacted(ShardFormat compacted, ShardIndex compactedIndex, Checkpoint next, long nextAppend) throws IOException {
        try {
            MappedFile opened = MappedFile.open(io, path, false, options.mapChunkBytes());
            opened.sharedWithOptimisticReaders(lock::awaitOptimisticReaders);
            compactedIndex.sharedWithOptimisticReaders(lock::awaitOptimisticReaders);
            compactedIndex.log(opened);
            index.close();
            file.close();
            file = opened;
            index = compactedIndex;
            format = compacted;
            checkpoint = next;
            appendPosition = nextAppend;
            snapshots.writes(compacted.logId(), ShardFormat.FIRST_RECORD);
        } catch (IOException | RuntimeException e) {
            throw fail("reopening the compacted log failed", e);
        }
        snapshotIndex(false);
    }

    /** Fails the shard (closes it) after a step that cannot be undone went wrong. */
    ShardFailedException failed(String what, Throwable cause) {
        return fail(what, cause);
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
    }

    public Checkpoint checkpoint() {
        lock.lockRead();
        try {
            return checkpoint;
        } finally {
            lock.unlockRead();
        }
    }

    public ShardStats stats() throws IOException {
        lock.lockRead();
        try {
            ensureOpen();
            return new ShardStats(name, path, Files.size(path), index.liveCount(), index.deletedCount(), appendPosition,
                    index.garbageBytes(), index.capacity(), checkpoint.generation(), checkpoint.sourceOffset(),
                    checkpoint.clean(), false);
        } finally {
            lock.unlockRead();
        }
    }

    /** Highest source offset applied (or checkpointed) so far. */
    long appliedThrough() {
        lock.lockRead();
        try {
            return appliedThrough;
        } finally {
            lock.unlockRead();
        }
    }

    public boolean isOpen() {
        return !closed;
    }

    /** True after a failed write or force: nothing applied since the last checkpoint can be trusted. */
    public boolean isFailed() {
        return failed;
    }

    /** Figures of a shard file that is not open, from its header page alone (format 1 files too). */
    public static ShardStats statsOf(String name, Path path) throws IOException {
        byte[] page = ShardFiles.readPrefix(path, ShardFormat.PAGE_SIZE);
        if (ShardFormat.version(path, page) == 1) {
            FormatOneHeader v1 = FormatOneHeader.decode(name, path, page, Files.size(path));
            FormatOneHeader.Checkpoint c = v1.checkpoint();
            return new ShardStats(name, path, Files.size(path), c.liveCount(), c.deletedCount(), c.slotCount(), 0, v1.indexCapacity(),
                    c.generation(), c.sourceOffset(), c.clean(), false);
        }
        long size = Files.size(path);
        ShardFormat.decode(path, page);
        Checkpoint c = Checkpoint.newest(name, page);
        return new ShardStats(name, path, size, c.liveCount(), c.deletedCount(), c.logEnd(), c.garbageBytes(), 0,
                c.generation(), c.sourceOffset(), c.clean(), c.released());
    }

    /**
     * Records in the header of a shard that is not open whether a writer keeps it current
     * ({@link Checkpoint#released}) without opening it: under its writer lock, the next
     * checkpoint generation with the same contents and the flag changed goes to the other copy
     * and is forced, so a torn write leaves the previous copy valid. Nothing else changes.
     *
     * @return false when the file is format 1, which has no such flag (it reads as current;
     *         opening it for writing upgrades it); true when the header now says so
     * @throws ShardLockedException when a writer holds the shard: it is that writer's to mark
     */
    public static boolean markReleased(String name, Path path, boolean released, StoreOptions options) throws IOException {
        // Most shards say so already (every open and release passes every database): those cost one read, no lock.
        byte[] seen = ShardFiles.readPrefix(options.fileIO(), path, ShardFormat.PAGE_SIZE);
        if (ShardFormat.version(path, seen) == 1) {
            return false;
        }
        ShardFormat.decode(path, seen);
        if (Checkpoint.newest(name, seen).released() == released) {
            return true;
        }
        try (ShardWriterLock writerLock = ShardWriterLock.acquire(options.fileIO(), path)) {
            byte[] page = ShardFiles.readPrefix(options.fileIO(), path, ShardFormat.PAGE_SIZE); // again, now that no writer can change it
            Checkpoint c = Checkpoint.newest(name, page);
            if (c.released() == released) {
                return true;
            }
            Checkpoint next = c.next(c.sourceOffset(), c.logEnd(), c.liveCount(), c.deletedCount(), c.clean(),
                    c.entryHighWater(), c.garbageBytes(), released);
            try (FileChannel channel = options.fileIO().open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ShardFiles.writeFully(channel, ByteBuffer.wrap(next.encode()), next.headerOffset());
                channel.force(false);
            }
            log.debug("shard {}: marked {} (checkpoint generation {}, source offset {})", name,
                    released ? "released" : "current", next.generation(), next.sourceOffset());
            return true;
        }
    }

    /**
     * Clean close at the last commit: snapshots the index when the log moved past the last
     * snapshot, and records a clean checkpoint (the same commit), so the next open reads nothing
     * but the snapshot. Records applied after the last commit are discarded, not made durable:
     * only a commit of the source moves what the shard holds, so that after a close, as after a
     * crash, the shard is exactly its last commit and replaying the source from its checkpoint
     * gives every mutation its first outcome. Callers commit first (the sink commits a partition
     * before it releases it); a discard is logged with the offsets to replay.
     *
     * <p>Completes its I/O on an interrupted thread too (the flag is restored afterwards), and
     * lets go of the lock only after a background snapshot write has ended and a compaction of
     * the shard has stopped (at its next buffer): neither may write the shard's files after.
     */
    @Override
    public void close() throws IOException {
        close(false);
    }

    /**
     * {@link #close()}; {@code released} records in the final checkpoint that this writer gave
     * the shard up (its partition was revoked or its task stopped), so readers know that nobody
     * keeps it current.
     */
    public void close(boolean released) throws IOException {
        closing = true;
        awaitCompaction();
        lock.lockWrite();
        try {
            // Connect interrupts a task thread it stops by force; an interrupted channel call would throw and close the channel.
            Uninterruptibly.run(() -> closeLocked(released));
        } finally {
            lock.unlockWrite();
        }
    }

    private void closeLocked(boolean released) throws IOException {
        if (closed) {
            return;
        }
        if (!failed) {
            snapshots.awaitInFlight();
            if (appendPosition != checkpoint.logEnd()) {
                log.warn("shard {}: closing with records applied after its last commit (log bytes {} to {}, source offsets "
                                + "after {} up to {}): they are discarded, not made durable; the shard reopens at checkpoint offset {} "
                                + "and replaying the source from offset {} restores them",
                        name, checkpoint.logEnd(), appendPosition, checkpoint.sourceOffset(), appliedThrough,
                        checkpoint.sourceOffset(), checkpoint.sourceOffset() + 1);
            } else if (snapshots.coveredEnd() != checkpoint.logEnd()) {
                snapshotIndex(true);
            }
            // The last commit again, its figures unchanged: nothing after it becomes part of it.
            writeCheckpoint(checkpoint.next(checkpoint.sourceOffset(), checkpoint.logEnd(), checkpoint.liveCount(),
                    checkpoint.deletedCount(), snapshots.coveredEnd() == checkpoint.logEnd(), checkpoint.entryHighWater(),
                    checkpoint.garbageBytes(), released));
        }
        releaseQuietly();
    }

    /**
     * Whether records were applied after the last commit (a close would discard them), so the
     * open-shard limit leaves the shard open until its source commits. True, conservatively,
     * while another thread holds the shard's write lock.
     */
    public boolean hasUncommitted() {
        if (!lock.tryLockRead()) {
            return true;
        }
        try {
            return !closed && !failed && appendPosition != checkpoint.logEnd();
        } finally {
            lock.unlockRead();
        }
    }

    /** Releases memory, mapping and lock without forcing anything (a crash, as far as the files can tell). */
    public void releaseQuietly() {
        // Under a hold that changed nothing yet (a failed force): optimistic readers must see the close.
        lock.changing();
        closing = true;
        closed = true;
        // Before the lock goes and the copy memory is freed (uninterruptibly): a background snapshot
        // reads that memory, and must not write into a shard another writer may own next.
        snapshots.close();
        if (index != null) {
            index.close();
        }
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

    // Views for verification and tests.

    public MappedFile file() {
        return file;
    }

    ShardFormat format() {
        return format;
    }

    ShardIndex index() {
        return index;
    }

    static String idString(byte[] id) {
        return new String(id, StandardCharsets.UTF_8);
    }
}
