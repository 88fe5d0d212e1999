package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.IndexSnapshot;
import io.jadevectordb.engine.index.IndexSnapshotHeader;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.metadata.MalformedMetadataException;
import io.jadevectordb.engine.metadata.MetadataFilter;
import io.jadevectordb.engine.shard.Shard;
import io.jadevectordb.engine.shard.ShardView;
import io.jadevectordb.engine.verify.ShardReport;
import io.jadevectordb.engine.verify.ShardVerifier;

/**
 * Read-only access to a store for tools (the {@code jvdb} CLI), safe while a sink process is
 * writing it: no lock is taken, nothing is created or modified, shard files are mapped
 * read-only (see {@link ShardView} for what a lock-free reader may and may not trust).
 *
 * <p>Figures ({@link #stats}) come from each shard's header page (and the index capacity from
 * its index snapshot): they describe the newest checkpoint, i.e. what is durable. Reads
 * ({@link #get}, {@link #scan}) see each shard as of its last completed commit, never a
 * mutation applied or forced after it.
 */
public final class StoreReader {

    /**
     * What a scan visited.
     *
     * @param visited           live vectors handed to the visitor
     * @param unreadable        entries skipped because their checksums failed (torn by a crash, being
     *                          rewritten by a writer at that moment, or damaged; {@code verify} tells)
     * @param filteredOut       readable live vectors a metadata filter refused
     * @param malformedMetadata readable live vectors left out of a filtered scan because their
     *                          metadata is not well-formed CBOR (the filter cannot be evaluated)
     */
    public record ScanResult(long visited, long unreadable, long filteredOut, long malformedMetadata) {

        /** The result of a scan without a filter. */
        public ScanResult(long visited, long unreadable) {
            this(visited, unreadable, 0, 0);
        }

        /** Both results added up. */
        public ScanResult plus(ScanResult other) {
            return new ScanResult(visited + other.visited, unreadable + other.unreadable, filteredOut + other.filteredOut,
                    malformedMetadata + other.malformedMetadata);
        }
    }

    private final Path root;
    private final StoreOptions options;
    private final boolean currentOnly;

    private StoreReader(Path root, StoreOptions options, boolean currentOnly) {
        this.root = root;
        this.options = options;
        this.currentOnly = currentOnly;
    }

    /**
     * This reader, but {@link #get} and {@link #scan} skip shards whose writer released them
     * ({@link ShardStats#released}: their partition was revoked, or their task stopped), which
     * nobody keeps current: on a worker that lost a partition in a rebalance, those shards fall
     * behind the topic. {@link #stats} and {@link #verify} still show every shard.
     */
    public StoreReader currentOnly() {
        return new StoreReader(root, options, true);
    }

    /** Whether reads leave this shard out: it was released and this reader serves current shards only. */
    private boolean leftOut(String database, Path shard) throws IOException {
        return currentOnly && Shard.statsOf(shardName(database, shard), shard).released();
    }

    /**
     * Opens a store root for reading.
     *
     * @throws NoSuchFileException when {@code root} is not a directory (nothing is created)
     */
    public static StoreReader open(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "no such data directory; point to the directory the sink writes");
        }
        return new StoreReader(root, StoreOptions.defaults(), false);
    }

    public Path root() {
        return root;
    }

    /** Names of all databases, sorted. */
    public List<String> databaseNames() throws IOException {
        List<String> names = new ArrayList<>();
        try (var dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path dir : dirs) {
                if (Database.isDatabaseDirectory(dir)) {
                    names.add(dir.getFileName().toString());
                }
            }
        }
        names.sort(null);
        return names;
    }

    /** Dimension of a database, from its metadata file. */
    public int dimension(String database) throws IOException {
        return load(database).dimension();
    }

    /** Longest id, in UTF-8 bytes, a database accepts. */
    public int maxIdBytes(String database) throws IOException {
        return load(database).maxIdBytes();
    }

    /** Shard files of a database, sorted by name. */
    public List<Path> shardFiles(String database) throws IOException {
        return Database.shardFiles(load(database).directory());
    }

    /** The name a shard is known by in messages: {@code database/file}. */
    public static String shardName(String database, Path shard) {
        return database + "/" + shard.getFileName();
    }

    /** Figures of a database and each of its shards, from their header pages (durable state). */
    public DatabaseStats stats(String database) throws IOException {
        Database db = load(database);
        List<ShardStats> shards = new ArrayList<>();
        long live = 0;
        long deleted = 0;
        long bytes = 0;
        for (Path shard : Database.shardFiles(db.directory())) {
            ShardStats s = withSnapshotCapacity(Shard.statsOf(shardName(database, shard), shard));
            shards.add(s);
            live += s.liveCount();
            deleted += s.deletedCount();
            bytes += s.fileBytes();
        }
        return new DatabaseStats(database, db.dimension(), live, deleted, bytes, shards);
    }

    /**
     * The header page has no index figures; the capacity of the index snapshot of the same log
     * is what the next open starts from (0 when there is no usable one, or for format 1).
     */
    private static ShardStats withSnapshotCapacity(ShardStats s) throws IOException {
        byte[] page = ShardFiles.readPrefix(s.path(), ShardFormat.PAGE_SIZE);
        if (s.indexCapacity() != 0 || ShardFormat.version(s.path(), page) != ShardFormat.VERSION) {
            return s;
        }
        long logId = ShardFormat.decode(s.path(), page).logId();
        try (FileChannel channel = FileChannel.open(IndexSnapshot.fileOf(s.path()), StandardOpenOption.READ)) {
            IndexSnapshotHeader h = IndexSnapshotHeader.read(channel);
            if (!h.recognised() || !h.crcValid() || !h.capacityFits() || h.logId() != logId) {
                return s;
            }
            return new ShardStats(s.name(), s.path(), s.fileBytes(), s.liveCount(), s.deletedCount(), s.logBytes(),
                    s.garbageBytes(), h.capacity(), s.checkpointGeneration(), s.checkpointOffset(), s.clean(),
                    s.released());
        } catch (NoSuchFileException e) {
            return s;
        }
    }

    /**
     * The live vector of an id, looked up in every shard of the database.
     *
     * @throws CorruptShardException when the id's entry cannot be read (see {@link ShardView#get})
     */
    public Optional<float[]> get(String database, String id) throws IOException {
        return getEntry(database, id).map(StoredVector::vector);
    }

    /**
     * The live vector of an id with its metadata ({@link StoredVector#metadata()} null when it
     * has none), looked up in every shard of the database.
     *
     * @throws CorruptShardException when the id's entry cannot be read (see {@link ShardView#getEntry})
     */
    public Optional<StoredVector> getEntry(String database, String id) throws IOException {
        Database db = load(database);
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("an id must not be empty");
        }
        byte[] key = ShardFormat.idBytes(id);
        if (key.length > db.maxIdBytes()) {
            return Optional.empty();
        }
        for (Path shard : Database.shardFiles(db.directory())) {
            if (leftOut(database, shard)) {
                continue;
            }
            try (ShardView snapshot = ShardView.open(shardName(database, shard), shard, options)) {
                StoredVector entry = snapshot.getEntry(key);
                if (entry != null) {
                    return Optional.of(entry);
                }
            }
        }
        return Optional.empty();
    }

    /** Visits every readable live vector of every shard of a database (each shard in slot order). */
    public ScanResult scan(String database, BiConsumer<String, float[]> visitor) throws IOException {
        long visited = 0;
        long unreadable = 0;
        for (Path shard : shardFiles(database)) {
            if (leftOut(database, shard)) {
                continue;
            }
            ScanResult r = scanShard(database, shard, visitor);
            visited += r.visited();
            unreadable += r.unreadable();
        }
        return new ScanResult(visited, unreadable);
    }

    /** Visits every readable live vector of one shard file of a database. */
    public ScanResult scanShard(String database, Path shard, BiConsumer<String, float[]> visitor) throws IOException {
        long[] visited = {0};
        try (ShardView snapshot = ShardView.open(shardName(database, shard), shard, options)) {
            long unreadable = snapshot.scan((id, vector) -> {
                visited[0]++;
                visitor.accept(id, vector);
            });
            return new ScanResult(visited[0], unreadable);
        }
    }

    /**
     * Visits, with its metadata, every readable live vector of every shard of a database whose
     * metadata {@code filter} accepts (each shard in slot order). Metadata is decoded only as far
     * as the filter's keys reach, and the vector of a refused entry is not copied. An entry whose
     * metadata is not well-formed CBOR is left out and counted
     * ({@link ScanResult#malformedMetadata}), unless the filter is {@link MetadataFilter#ALL}.
     */
    public ScanResult scan(String database, MetadataFilter filter, Consumer<StoredVector> visitor) throws IOException {
        ScanResult total = new ScanResult(0, 0);
        for (Path shard : shardFiles(database)) {
            if (!leftOut(database, shard)) {
                total = total.plus(scanShard(database, shard, filter, visitor));
            }
        }
        return total;
    }

    /** As {@link #scan(String, MetadataFilter, Consumer)}, for one shard file of a database. */
    public ScanResult scanShard(String database, Path shard, MetadataFilter filter, Consumer<StoredVector> visitor)
            throws IOException {
        Objects.requireNonNull(filter, "filter (MetadataFilter.ALL for none)");
        long[] counts = new long[3]; // visited, filtered out, malformed
        try (ShardView snapshot = ShardView.open(shardName(database, shard), shard, options)) {
            long unreadable = snapshot.scanEntries((id, record, offset, length) -> {
                try {
                    boolean match = offset < 0 ? filter.matches(null) : filter.matches(record, offset, length);
                    counts[match ? 0 : 1]++;
                    return match;
                } catch (MalformedMetadataException e) {
                    counts[2]++;
                    return false;
                }
            }, visitor);
            return new ScanResult(counts[0], unreadable, counts[1], counts[2]);
        }
    }

    /** Checks every shard of a database; see {@link ShardVerifier}. */
    public List<ShardReport> verify(String database) throws IOException {
        List<ShardReport> reports = new ArrayList<>();
        for (Path shard : shardFiles(database)) {
            reports.add(ShardVerifier.verify(shardName(database, shard), shard, options));
        }
        return reports;
    }

    private Database load(String database) throws IOException {
        DatabaseName.validate(database);
        // A database object without a store: only its metadata (dimension, id limit, directory) is used.
        return Database.load(null, root.resolve(database), database)
                .orElseThrow(() -> new DatabaseNotFoundException(database, root));
    }
}
