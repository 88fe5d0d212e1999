package io.jadevectordb.engine;

import java.time.Duration;
import java.util.Objects;

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
    /** Default size of one mapping (files larger than this are mapped in several chunks). */
    public static final long DEFAULT_MAP_CHUNK_BYTES = 1L << 30;
    /** Default growth step of a shard's data region. */
    public static final long DEFAULT_GROWTH_BYTES = 16L << 20;

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

    private StoreOptions(int maxOpenShards, Duration flushInterval, boolean allowNonFinite, int maxIdBytes,
                         long mapChunkBytes, long growthBytes, Preallocator preallocator, long expectedVectorsPerShard,
                         FileIO fileIO) {
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
                DEFAULT_MAP_CHUNK_BYTES, DEFAULT_GROWTH_BYTES, Preallocator.ZERO_FILL, 0, FileIO.SYSTEM);
    }

    /** At most this many shard files are open at once; the least recently used beyond it are closed. */
    public StoreOptions withMaxOpenShards(int value) {
        return new StoreOptions(value, flushInterval, allowNonFinite, maxIdBytes,
                mapChunkBytes, growthBytes, preallocator, expectedVectorsPerShard, fileIO);
    }

    /** How often the background flusher forces dirty pages early; zero disables it. */
    public StoreOptions withFlushInterval(Duration value) {
        return new StoreOptions(maxOpenShards, value, allowNonFinite, maxIdBytes,
                mapChunkBytes, growthBytes, preallocator, expectedVectorsPerShard, fileIO);
    }

    /** Accept NaN and infinite components (rejected by default). */
    public StoreOptions withAllowNonFinite(boolean value) {
        return new StoreOptions(maxOpenShards, flushInterval, value, maxIdBytes,
                mapChunkBytes, growthBytes, preallocator, expectedVectorsPerShard, fileIO);
    }

    /** Longest id (UTF-8 bytes) of databases created from now on; stored per database. */
    public StoreOptions withMaxIdBytes(int value) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, value,
                mapChunkBytes, growthBytes, preallocator, expectedVectorsPerShard, fileIO);
    }

    /** Size of one memory mapping; tests use small values to cross chunk boundaries. */
    public StoreOptions withMapChunkBytes(long value) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes,
                value, growthBytes, preallocator, expectedVectorsPerShard, fileIO);
    }

    /** How much a shard's data region grows at a time (blocks really allocated). */
    public StoreOptions withGrowthBytes(long value) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes,
                mapChunkBytes, value, preallocator, expectedVectorsPerShard, fileIO);
    }

    /** How new file space is allocated; tests inject failures here. */
    public StoreOptions withPreallocator(Preallocator value) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes,
                mapChunkBytes, growthBytes, value, expectedVectorsPerShard, fileIO);
    }

    /**
     * Sizes the index of each new shard for this many vectors, so that a bulk load never grows
     * it (growth rewrites the shard file, vectors included: a pause of seconds for gigabytes).
     * Costs 32 to 64 bytes of disk per expected vector in every new shard from its creation;
     * existing shards are unchanged. 0 (the default) starts at 64 entries and grows fourfold.
     */
    public StoreOptions withExpectedVectorsPerShard(long value) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes,
                mapChunkBytes, growthBytes, preallocator, value, fileIO);
    }

    /** Routes all shard file I/O through {@code io}: tests record writes and forces there. */
    StoreOptions withFileIO(FileIO io) {
        return new StoreOptions(maxOpenShards, flushInterval, allowNonFinite, maxIdBytes,
                mapChunkBytes, growthBytes, preallocator, expectedVectorsPerShard, io);
    }

    FileIO fileIO() {
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
