package io.jadevectordb.engine;

import java.time.Duration;
import java.util.Objects;

import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.SnapshotWriter;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.Preallocator;

/**
 * Settings of a {@link VectorStore}. Immutable; start from {@link #defaults()} and derive with
 * the {@code with*} methods.
 */
public final class StoreOptions {

    /** Default bound on open shard files. */
    public static final int DEFAULT_MAX_OPEN_SHARDS = 100;
    /** Default interval of the background flusher. */
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(5);
    /** Default longest id, in UTF-8 bytes, of a newly created database. */
    public static final int DEFAULT_MAX_ID_BYTES = 128;
    /** Largest id limit a database may be created with. */
    public static final int MAX_ID_BYTES_LIMIT = 4096;
    /** Default bound on the metadata document of one vector ({@link #withMaxMetadataBytes}). */
    public static final int DEFAULT_MAX_METADATA_BYTES = 64 << 10;
    /** Default size of one mapping (files larger than this are mapped in several chunks). */
    public static final long DEFAULT_MAP_CHUNK_BYTES = 1L << 30;
    /** Default growth step of a shard's data region. */
    public static final long DEFAULT_GROWTH_BYTES = 16L << 20;

    /** Default log bytes after the last index snapshot that make the next commit write a new one. */
    public static final long DEFAULT_INDEX_SNAPSHOT_BYTES = 64L << 20;
    /** Default smallest committed log that is compacted automatically. */
    public static final long DEFAULT_COMPACTION_MIN_BYTES = 64L << 20;
    /** Default share of superseded bytes in a log at which a commit compacts it. */
    public static final double DEFAULT_COMPACTION_GARBAGE_RATIO = 0.5;

    /** Largest expected count: an index of 2^30 entries (32 GiB) is the format's limit. */
    public static final long MAX_EXPECTED_VECTORS_PER_SHARD = 700_000_000L;

    private final int maxOpenShards;
    private final Duration flushInterval;
    private final boolean allowNonFinite;
    private final int maxIdBytes;
    private final long mapChunkBytes;
    private final long growthBytes;
    private final Preallocator preallocator;
    private final long expectedVectorsPerShard;
    private final FileIO fileIO;
    private final long indexSnapshotBytes;
    private final long compactionMinBytes;
    private final double compactionGarbageRatio;
    private final long backgroundSnapshotEntries;
    private final int maxMetadataBytes;

    private StoreOptions(int maxOpenShards, Duration flushInterval, boolean allowNonFinite, int maxIdBytes,
                         long mapChunkBytes, long growthBytes, Preallocator preallocator, long expectedVectorsPerShard,
                         FileIO fileIO, long indexSnapshotBytes, long compactionMinBytes, double compactionGarbageRatio,
                         long backgroundSnapshotEntries, int maxMetadataBytes) {
        if (maxMetadataBytes < 0 || maxMetadataBytes > ShardFormat.MAX_METADATA_BYTES) {
            throw new IllegalArgumentException("maxMetadataBytes must be 0.." + ShardFormat.MAX_METADATA_BYTES
                    + " (the format's limit), was " + maxMetadataBytes);
        }
        this.maxMetadataBytes = maxMetadataBytes;
        if (indexSnapshotBytes < 4096) {
            throw new IllegalArgumentException("indexSnapshotBytes must be >= 4096, was " + indexSnapshotBytes);
        }
        if (compactionMinBytes < 0) {
            throw new IllegalArgumentException("compactionMinBytes must be >= 0 (0 disables automatic compaction), was "
                    + compactionMinBytes);
        }
        if (!(compactionGarbageRatio > 0 && compactionGarbageRatio < 1)) {
            throw new IllegalArgumentException("compactionGarbageRatio must be in (0, 1), was " + compactionGarbageRatio);
        }
        this.indexSnapshotBytes = indexSnapshotBytes;
        this.backgroundSnapshotEntries = backgroundSnapshotEntries;
        this.compactionMinBytes = compactionMinBytes;
        this.compactionGarbageRatio = compactionGarbageRatio;
        if (maxOpenShards < 1) {
            throw new IllegalArgumentException("maxOpenShards must be >= 1, was " + maxOpenShards);
        }
        if (flushInterval.isNegative()) {
            throw new IllegalArgumentException("flushInterval must be >= 0 (0 disables the flusher), was " + flushInterval);
        }
        if (maxIdBytes < 1 || maxIdBytes > MAX_ID_BYTES_LIMIT) {
            throw new IllegalArgumentException("maxIdBytes must be 1.." + MAX_ID_BYTES_LIMIT + ", was " + maxIdBytes);
        }
        if (mapChunkBytes < 4096 || Long.bitCount(mapChunkBytes) != 1 || mapChunkBytes > (1L << 30)) {
            throw new IllegalArgumentException("mapChunkBytes must be a power of two in 4096..2^30, was " + mapChunkBytes);
        }
        if (growthBytes < 4096 || growthBytes % 4096 != 0) {
            throw new IllegalArgumentException("growthBytes must be a positive multiple of 4096, was " + growthBytes);
        }
        if (expectedVectorsPerShard < 0 || expectedVectorsPerShard > MAX_EXPECTED_VECTORS_PER_SHARD) {
            throw new IllegalArgumentException("expectedVectorsPerShard must be 0.." + MAX_EXPECTED_VECTORS_PER_SHARD
                    + " (0: start small and grow), was " + expectedVectorsPerShard);
        }
        this.maxOpenShards = maxOpenShards;
        this.expectedVectorsPerShard = expectedVectorsPerShard;
        this.flushInterval = flushInterval;
        this.allowNonFinite = allowNonFinite;
        this.maxIdBytes = maxIdBytes;
        this.mapChunkBytes = mapChunkBytes;
        this.growthBytes = growthBytes;
        this.preallocator = Objects.requireNonNull(preallocator, "preallocator");
        this.fileIO = Objects.requireNonNull(fileIO, "fileIO");
    }

    public static StoreOptions defaults() {
        return new StoreOptions(DEFAULT_MAX_OPEN_SHARDS, DEFAULT_FLUSH_INTERVAL, false, DEFAULT_MAX_ID_BYTES,
                DEFAULT_MAP_CHUNK_BYTES, DEFAULT_GROWTH_BYTES, Preallocator.FALLOCATE, 0, FileIO.SYSTEM,
                DEFAULT_INDEX_SNAPSHOT_BYTES, DEFAULT_COMPACTION_MIN_BYTES, DEFAULT_COMPACTION_GARBAGE_RATIO,
                SnapshotWriter.BACKGROUND_ENTRIES, DEFAULT_MAX_METADATA_BYTES);
    }

    /** At most this many shard files are open at once; the least recently used beyond it are closed. */
    public StoreOptions withMaxOpenShards(int value) {
        return new StoreOptions(value, flushInterval, allowNonFinite, maxIdBytes,
                mapChunkBytes, growthBytes, preallocator, expectedVectorsPerShard, fileIO, indexSnapshotBytes, compactionMinBytes, compactionGarbageRatio, backgroundSnapshotEntries, maxMetadataBytes);
    }

    /** How often the background flusher forces dirty pages early; zero disables it. */
    public StoreOptions withFlushInterval(Duration value) {
        return new StoreOptions(maxOpenShards, value, allowNonFinite, maxIdBytes,
                mapChunkBytes, growthBytes, preallocator, expectedVectorsPerShard, fileIO, indexSnapshotBytes, compactionMinBytes, compactionGarbageRatio, backgroundSnapshotEntries, maxMetadataBytes);
    }

    /** Accept NaN and infinite components (rejected by default). */
    public StoreOptions withAllowNonFinite(boolean value) {
        return new StoreOptions(maxOpenShards, flushInterval, value, maxIdBytes,
                mapChunkBytes, growthBytes, preallocator, expectedVectorsPerShard, fileIO, indexSnapshotBytes, compactionMinBytes, compactionGarbageRatio, backgroundSnapshotEntries, maxMetadataBytes);
    }

    /** Longest id (UTF-8 bytes) of databases created from now on; stored per database. */
    public StoreOptions withMaxIdBytes(int value) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, value,
                mapChunkBytes, growthBytes, preallocator, expectedVectorsPerShard, fileIO, indexSnapshotBytes, compactionMinBytes, compactionGarbageRatio, backgroundSnapshotEntries, maxMetadataBytes);
    }

    /** Size of one memory mapping; tests use small values to cross chunk boundaries. */
    public StoreOptions withMapChunkBytes(long value) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes,
                value, growthBytes, preallocator, expectedVectorsPerShard, fileIO, indexSnapshotBytes, compactionMinBytes, compactionGarbageRatio, backgroundSnapshotEntries, maxMetadataBytes);
    }

    /** How much a shard's data region grows at a time (blocks really allocated). */
    public StoreOptions withGrowthBytes(long value) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes,
                mapChunkBytes, value, preallocator, expectedVectorsPerShard, fileIO, indexSnapshotBytes, compactionMinBytes, compactionGarbageRatio, backgroundSnapshotEntries, maxMetadataBytes);
    }

    /**
     * How new file space is allocated: {@link Preallocator#FALLOCATE} (the default) or
     * {@link Preallocator#ZERO_FILL}; tests inject failures here.
     */
    public StoreOptions withPreallocator(Preallocator value) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes,
                mapChunkBytes, growthBytes, value, expectedVectorsPerShard, fileIO, indexSnapshotBytes, compactionMinBytes, compactionGarbageRatio, backgroundSnapshotEntries, maxMetadataBytes);
    }

    /**
     * Sizes the in-memory index of each shard opened without a usable index snapshot for this
     * many vectors, so a bulk load does not grow it step by step. Growth is memory only (no
     * record moves), so this is a small optimisation; 0 (the default) starts at 64 entries and
     * doubles.
     */
    public StoreOptions withExpectedVectorsPerShard(long value) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes,
                mapChunkBytes, growthBytes, preallocator, value, fileIO, indexSnapshotBytes, compactionMinBytes, compactionGarbageRatio, backgroundSnapshotEntries, maxMetadataBytes);
    }

    /**
     * Routes all shard file I/O through {@code io}: tests record writes and forces there. The
     * default {@link Preallocator#FALLOCATE} would grow files past {@code io} (a system call on
     * the path), so files grow by zeros written through {@code io}'s channels instead, which a
     * recording sees and which leave the same states after a power loss.
     */
    StoreOptions withFileIO(FileIO io) {
        Preallocator growth = preallocator == Preallocator.FALLOCATE && io != FileIO.SYSTEM ? Preallocator.ZERO_FILL : preallocator;
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes,
                mapChunkBytes, growthBytes, growth, expectedVectorsPerShard, io, indexSnapshotBytes, compactionMinBytes, compactionGarbageRatio, backgroundSnapshotEntries, maxMetadataBytes);
    }

    /**
     * Log bytes written after the last index snapshot (or the table's size, when larger) at
     * which a commit writes a new snapshot: opening after a crash reads at most about this much log.
     */
    public StoreOptions withIndexSnapshotBytes(long value) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes, mapChunkBytes, growthBytes,
                preallocator, expectedVectorsPerShard, fileIO, value, compactionMinBytes, compactionGarbageRatio, backgroundSnapshotEntries, maxMetadataBytes);
    }

    /**
     * Automatic compaction: a commit rewrites a shard's log without superseded records when the
     * committed log is at least {@code minBytes} long and at least {@code garbageRatio} of it is
     * superseded. {@code minBytes} 0 disables it ({@code jvdb compact} still works).
     */
    public StoreOptions withCompaction(long minBytes, double garbageRatio) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes, mapChunkBytes, growthBytes,
                preallocator, expectedVectorsPerShard, fileIO, indexSnapshotBytes, minBytes, garbageRatio, backgroundSnapshotEntries, maxMetadataBytes);
    }

    /**
     * Largest metadata document (bytes) a mutation may carry; a larger one is refused with
     * {@link InvalidMutationException}, never truncated. At most {@link ShardFormat#MAX_METADATA_BYTES}.
     */
    public StoreOptions withMaxMetadataBytes(int value) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes, mapChunkBytes, growthBytes,
                preallocator, expectedVectorsPerShard, fileIO, indexSnapshotBytes, compactionMinBytes, compactionGarbageRatio,
                backgroundSnapshotEntries, value);
    }

    public int maxMetadataBytes() {
        return maxMetadataBytes;
    }

    public long indexSnapshotBytes() {
        return indexSnapshotBytes;
    }

    public long compactionMinBytes() {
        return compactionMinBytes;
    }

    public double compactionGarbageRatio() {
        return compactionGarbageRatio;
    }

    /** Index tables of at least this many entries are snapshotted in the background; tests lower it to exercise that path. */
    StoreOptions withBackgroundSnapshotEntries(long value) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes, mapChunkBytes, growthBytes,
                preallocator, expectedVectorsPerShard, fileIO, indexSnapshotBytes, compactionMinBytes, compactionGarbageRatio, value, maxMetadataBytes);
    }

    public long backgroundSnapshotEntries() {
        return backgroundSnapshotEntries;
    }

    public FileIO fileIO() {
        return fileIO;
    }

    public long expectedVectorsPerShard() {
        return expectedVectorsPerShard;
    }

    public int maxOpenShards() {
        return maxOpenShards;
    }

    public Duration flushInterval() {
        return flushInterval;
    }

    public boolean allowNonFinite() {
        return allowNonFinite;
    }

    public int maxIdBytes() {
        return maxIdBytes;
    }

    public long mapChunkBytes() {
        return mapChunkBytes;
    }

    public long growthBytes() {
        return growthBytes;
    }

    public Preallocator preallocator() {
        return preallocator;
    }
}
