package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

/**
 * A named database: a directory with a fixed vector dimension, holding one shard file per
 * source partition that feeds it. Reads see the union of its shards (producers key records by
 * id, so an id lives in one shard).
 *
 * <p>The direct API ({@link #store}, {@link #update}, {@link #delete}, {@link #commit}) writes
 * to the shard of {@link SourcePartition#LOCAL}, for programs that use the engine without a
 * streaming source.
 */
public final class Database {

    /** The smallest dimension a database can have. */
    public static final int MIN_DIMENSION = 1;
    /** The largest dimension a database can have: the shard format's limit. */
    public static final int MAX_DIMENSION = 65536;

    /** The metadata file that makes a directory a database. */
    static final String META_FILE = "database.properties";
    /**
     * Directory of empty marker files, one per source that ever had a shard here. A source
     * marked here whose shard file is gone (moved aside, lost) has lost state in this database,
     * so it must be replayed from its earliest offset, whatever its other databases' checkpoints
     * say. One file per source, created atomically, so concurrent writers never lose a mark.
     */
    static final String SOURCES_DIR = "sources";

    private final VectorStore store;
    private final Path directory;
    private final String name;
    private final int dimension;
    private final int maxIdBytes;
    /**
     * How long a read trusts the shard list without looking at the directory again. Shards this
     * store creates invalidate the list at once; one created by another process (a task on
     * another worker) or moved aside by hand is seen within this delay. A look costs a
     * {@code stat}, which is more than the rest of a single get.
     */
    private static final long RECHECK_NANOS = 50_000_000L;

    /** A shard file with the names reads need, worked out once per listing. */
    private record ShardRef(Path path, SourcePartition source, String name, String key) {
    }

    /** Shards of this database the store opened, by key; possibly closed since (reads check). */
    private final ConcurrentHashMap<String, LogShard> openShards = new ConcurrentHashMap<>();

    /** Shard files as last listed, the directory's modification time then, and when it was last compared. */
    private record ShardList(List<ShardRef> refs, FileTime modified, long checkedAt) {
    }

    private volatile ShardList cachedShards;

    private Database(VectorStore store, Path directory, String name, int dimension, int maxIdBytes) {
        this.store = store;
        this.directory = directory;
        this.name = name;
        this.dimension = dimension;
        this.maxIdBytes = maxIdBytes;
    }

    /**
     * Creates the database directory and its metadata, unless another writer (another task or
     * process) created it first: what is on disk then wins, and the caller compares dimensions.
     */
    static Database create(VectorStore store, Path directory, String name, int dimension, int maxIdBytes) throws IOException {
        Optional<Database> existing = load(store, directory, name);
        if (existing.isPresent()) {
            return existing.get();
        }
        ShardFiles.createDirectories(store.options().fileIO(), directory);
        String meta = "# JadeVectorDB database\nformat=1\ndimension=" + dimension + "\nmaxIdBytes=" + maxIdBytes + "\n";
        FileIO io = store.options().fileIO();
        // Through the seam, like the shards, so a crash test's images hold the metadata a power loss leaves.
        Path tmp = directory.resolve(META_FILE + "." + Long.toUnsignedString(ThreadLocalRandom.current()
                .nextLong()) + ".tmp");
        // Opened before the try: a clash of random names must not pass for a racing creator below.
        var channel = io.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            try (channel) {
                ShardFiles.writeFully(channel, ByteBuffer.wrap(meta.getBytes(StandardCharsets.UTF_8)), 0);
                channel.force(true);
            }
            // A link fails if the name exists: of two racing creators exactly one wins, whole.
            io.createLink(directory.resolve(META_FILE), tmp);
            ShardFiles.fsyncDirectory(io, directory);
        } catch (FileAlreadyExistsException raced) {
            // another writer created it first; its metadata is loaded below
        } finally {
            io.deleteIfExists(tmp);
        }
        return load(store, directory, name).orElseThrow(() -> new IOException("database " + name + ": "
                + directory.resolve(META_FILE) + " vanished while it was being created"));
    }

    /** Checks {@code first} as a database of that dimension, not yet created, would ({@link #validate}). */
    static void validateForNew(VectorStore store, Path directory, String name, int dimension, int maxIdBytes, Mutation first) {
        new Database(store, directory, name, dimension, maxIdBytes).validate(first);
    }

    static Optional<Database> load(VectorStore store, Path directory, String name) throws IOException {
        Path meta = directory.resolve(META_FILE);
        if (!Files.isRegularFile(meta)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        try {
            int dimension = Integer.parseInt(p.getProperty("dimension", "").trim());
            int maxIdBytes = Integer.parseInt(p.getProperty("maxIdBytes", "").trim());
            if (dimension < Database.MIN_DIMENSION || dimension > Database.MAX_DIMENSION
                    || maxIdBytes < 1 || maxIdBytes > StoreOptions.MAX_ID_BYTES_LIMIT) {
                throw new NumberFormatException("out of range");
            }
            return Optional.of(new Database(store, directory, name, dimension, maxIdBytes));
        } catch (NumberFormatException e) {
            throw new CorruptShardException("database " + name + ": " + meta + " has an invalid dimension or maxIdBytes ("
                    + p + "); restore it (dimension=N, maxIdBytes=M) or delete the database");
        }
    }

    static boolean isDatabaseDirectory(Path dir) {
        return Files.isRegularFile(dir.resolve(META_FILE));
    }

    /** Shard files of a database directory, sorted by name. */
    static List<Path> shardFiles(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + SourcePartition.SHARD_SUFFIX)) {
            for (Path p : stream) {
                if (SourcePartition.fromShardFileName(p.getFileName().toString()) != null) {
                    files.add(p);
                }
            }
        }
        files.sort(null);
        return files;
    }

    public String name() {
        return name;
    }

    public int dimension() {
        return dimension;
    }

    public int maxIdBytes() {
        return maxIdBytes;
    }

    public Path directory() {
        return directory;
    }

    /** True when {@code source} has ever had a shard in this database. */
    boolean hasFed(SourcePartition source) {
        return Files.exists(directory.resolve(SOURCES_DIR).resolve(source.toString()));
    }

    /** Records, durably, that {@code source} feeds this database (before its first shard is created). */
    void recordSource(SourcePartition source) throws IOException {
        Path marks = directory.resolve(SOURCES_DIR);
        Path mark = marks.resolve(source.toString());
        if (Files.exists(mark)) {
            return;
        }
        ShardFiles.createDirectories(store.options().fileIO(), marks);
        try {
            // Through the seam (an empty file: its name is the record), so crash images hold it as a power loss would.
            store.options().fileIO().open(mark, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        } catch (FileAlreadyExistsException raced) {
            return;
        }
        ShardFiles.fsyncDirectory(store.options().fileIO(), marks);
        ShardFiles.fsyncDirectory(store.options().fileIO(), directory);
    }

    /** Sources that have a shard in this database. */
    public List<SourcePartition> sources() throws IOException {
        List<SourcePartition> sources = new ArrayList<>();
        for (Path p : shardFiles(directory)) {
            sources.add(SourcePartition.fromShardFileName(p.getFileName().toString()));
        }
        return sources;
    }

    /**
     * Checks a mutation against this database without I/O and returns its id as UTF-8.
     *
     * @throws InvalidMutationException naming the field, the value and the fix
     */
    public byte[] validate(Mutation m) {
        byte[] id = validateId(m.id());
        if (m.op() != Mutation.Op.DELETE) {
            float[] v = m.vector();
            if (v.length != dimension) {
                throw new InvalidMutationException("vector", "float[" + v.length + "]", "database '" + name + "' has dimension "
                        + dimension + " but id '" + m.id() + "' (offset " + m.sourceOffset() + ") has " + v.length
                        + " components; send " + dimension + "-dimensional vectors or route them to another database");
            }
            if (!store.options().allowNonFinite()) {
                for (int i = 0; i < v.length; i++) {
                    if (!Float.isFinite(v[i])) {
                        throw new InvalidMutationException("vector[" + i + "]", Float.toString(v[i]), "id '" + m.id()
                                + "' (offset " + m.sourceOffset() + ") in database '" + name + "' has a non-finite component; "
                                + "fix the producer, or allow NaN/Infinity explicitly (StoreOptions.withAllowNonFinite)");
                    }
                }
            }
        }
        return id;
    }

    private byte[] validateId(String id) {
        if (id == null || id.isEmpty()) {
            throw new InvalidMutationException("id", id == null ? "null" : "''", "every mutation needs a non-empty id");
        }
        byte[] bytes = LogFormat.idBytes(id);
        if (bytes.length > maxIdBytes) {
            throw new InvalidMutationException("id", "'" + DatabaseName.printable(id.substring(0, Math.min(id.length(), 40)))
                    + "...' (" + bytes.length + " UTF-8 bytes)", "database '" + name + "' accepts ids of at most " + maxIdBytes
                    + " UTF-8 bytes; shorten the id (a hash of it, for instance)");
        }
        // An id of as many bytes as chars is ASCII unless it held an unpaired surrogate (encoded as '?'): check those only.
        if ((bytes.length != id.length() || hasSurrogate(id)) && !new String(bytes, StandardCharsets.UTF_8).equals(id)) {
            throw new InvalidMutationException("id", "'" + DatabaseName.printable(id) + "'", "the id is not valid Unicode "
                    + "(unpaired surrogate); send it as well-formed UTF-8");
        }
        return bytes;
    }

    /**
     * This database's shard files, listed again only when the directory changed (new shards
     * change its modification time), looked at no more than every {@link #RECHECK_NANOS}.
     */
    private List<ShardRef> shards() throws IOException {
        ShardList cached = cachedShards;
        long now = System.nanoTime();
        if (cached != null && now - cached.checkedAt() < RECHECK_NANOS) {
            return cached.refs();
        }
        FileTime modified = Files.getLastModifiedTime(directory);
        if (cached != null && modified.equals(cached.modified())) {
            cachedShards = new ShardList(cached.refs(), modified, now);
            return cached.refs();
        }
        List<ShardRef> refs = new ArrayList<>();
        for (Path path : shardFiles(directory)) {
            String file = path.getFileName().toString();
            SourcePartition source = SourcePartition.fromShardFileName(file);
            refs.add(new ShardRef(path, source, name + "/" + file, name + "/" + source.shardFileName()));
        }
        cachedShards = new ShardList(List.copyOf(refs), modified, now);
        return cachedShards.refs();
    }

    private static boolean hasSurrogate(String id) {
        for (int i = 0; i < id.length(); i++) {
            if (Character.isSurrogate(id.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** The store opened (perhaps created) a shard of this database: list the directory on the next read. */
    void shardsChanged() {
        cachedShards = null;
    }

    /** The live vector of an id, looked up in every shard. */
    public Optional<float[]> get(String id) throws IOException {
        byte[] key = validateId(id);
        for (ShardRef shard : shards()) {
            float[] v = getFromOpenShard(shard, key);
            if (v == LogShard.NOT_OPEN) {
                v = withShard(shard, s -> s.get(key));
            }
            if (v != null) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /**
     * A read from a shard this store has open, without the store's locks or a pin: the
     * shard's read lock alone keeps it from closing underneath. {@link LogShard#NOT_OPEN} when
     * it is not open here (the caller takes the slow path, which opens it).
     */
    private float[] getFromOpenShard(ShardRef ref, byte[] key) {
        LogShard shard = openShards.get(ref.key());
        return shard == null ? LogShard.NOT_OPEN : shard.getIfOpen(key);
    }

    /** The store opened a writable shard of this database: reads may use it directly until it closes. */
    void opened(String key, LogShard shard) {
        openShards.put(key, shard);
    }

    /** Batch retrieve: the live vectors of those ids that exist, in the iteration order of {@code ids}. */
    public Map<String, float[]> getAll(Collection<String> ids) throws IOException {
        Map<String, float[]> found = new LinkedHashMap<>();
        List<byte[]> keys = new ArrayList<>(ids.size());
        for (String id : ids) {
            keys.add(validateId(id));
        }
        for (ShardRef shard : shards()) {
            withShard(shard, s -> {
                int i = 0;
                for (String id : ids) {
                    byte[] key = keys.get(i++);
                    if (!found.containsKey(id)) {
                        float[] v = s.get(key);
                        if (v != null) {
                            found.put(id, v);
                        }
                    }
                }
                return null;
            });
        }
        Map<String, float[]> ordered = new LinkedHashMap<>();
        for (String id : ids) {
            if (found.containsKey(id)) {
                ordered.put(id, found.get(id));
            }
        }
        return ordered;
    }

    /**
     * Visits every live vector of every shard as of the shard's last commit: what a restart
     * keeps and what a reader in another process sees; records applied but not committed yet
     * are not visited ({@link #get} sees them). Each shard is read through a lock-free view
     * ({@link LogView}), so the visitor runs with no lock of the store or of a shard held: it may
     * read and write the store, this database included (its writes are not visited).
     *
     * @throws CorruptShardException when committed records of a shard fail their checksum
     *                               (damage), after the intact ones were visited
     */
    public void scan(BiConsumer<String, float[]> visitor) throws IOException {
        for (ShardRef shard : shards()) {
            try (LogView view = committedView(shard)) {
                long unreadable = view.scan(visitor);
                if (unreadable > 0) {
                    throw new CorruptShardException("shard " + shard.name() + ": " + unreadable + " committed record(s) fail "
                            + "their checksum and were not visited; run `jvdb verify`, then restore the file or replay the source");
                }
            }
        }
    }

    /** A view of a shard's last commit, opened once the store has the shard (which migrates a format 1 file first). */
    private LogView committedView(ShardRef ref) throws IOException {
        OpenShards.Handle handle;
        try {
            handle = store.acquire(this, ref.source(), ref.key());
        } catch (ShardLockedException e) {
            return LogView.open(ref.name(), ref.path(), store.options());
        }
        try {
            return LogView.open(ref.name(), ref.path(), store.options());
        } finally {
            store.unpin(handle);
        }
    }

    /** Figures of this database and each of its shards. */
    public DatabaseStats stats() throws IOException {
        List<ShardStats> shards = new ArrayList<>();
        long live = 0;
        long deleted = 0;
        long bytes = 0;
        for (ShardRef shard : shards()) {
            ShardStats s = withShard(shard, ShardView::stats);
            shards.add(s);
            live += s.liveCount();
            deleted += s.deletedCount();
            bytes += s.fileBytes();
        }
        return new DatabaseStats(name, dimension, live, deleted, bytes, shards);
    }

    private interface ShardFunction<T> {
        T apply(ShardView shard) throws IOException;
    }

    /** What reads need of a shard, from the store's writable handle or from a lock-free snapshot. */
    private interface ShardView {
        float[] get(byte[] id) throws IOException;

        ShardStats stats() throws IOException;
    }

    /**
     * Runs a read on a shard: through the store's writable handle or, when another process's
     * writer holds the shard, through a {@link LogView}, which checks every record and
     * vector it copies, so a concurrent write is never seen half done.
     */
    private <T> T withShard(ShardRef ref, ShardFunction<T> fn) throws IOException {
        Path path = ref.path();
        String shardName = ref.name();
        OpenShards.Handle handle;
        try {
            handle = store.acquire(this, ref.source(), ref.key());
        } catch (ShardLockedException e) {
            try (LogView snapshot = LogView.open(shardName, path, store.options())) {
                return fn.apply(new ShardView() {
                    @Override
                    public float[] get(byte[] id) throws IOException {
                        return snapshot.get(id);
                    }

                    @Override
                    public ShardStats stats() throws IOException {
                        return LogShard.statsOf(shardName, path);
                    }
                });
            }
        }
        try {
            LogShard shard = handle.shard;
            return fn.apply(new ShardView() {
                @Override
                public float[] get(byte[] id) {
                    return shard.get(id);
                }

                @Override
                public ShardStats stats() throws IOException {
                    return shard.stats();
                }
            });
        } finally {
            store.unpin(handle);
        }
    }

    /** Direct API: store (upsert) {@code id}. */
    public Mutation.Outcome store(String id, float[] vector) throws IOException {
        return applyLocal(Mutation.Op.STORE, id, vector);
    }

    /** Direct API: batch store; one shard lock round per vector, one commit for all by {@link #commit()}. */
    public void storeAll(Map<String, float[]> vectors) throws IOException {
        for (Map.Entry<String, float[]> e : vectors.entrySet()) {
            applyLocal(Mutation.Op.STORE, e.getKey(), e.getValue());
        }
    }

    /** Direct API: replace an existing id; {@link Mutation.Outcome#NOT_FOUND} when absent. */
    public Mutation.Outcome update(String id, float[] vector) throws IOException {
        return applyLocal(Mutation.Op.UPDATE, id, vector);
    }

    /** Direct API: soft delete. */
    public Mutation.Outcome delete(String id) throws IOException {
        return applyLocal(Mutation.Op.DELETE, id, null);
    }

    /** Direct API: make every direct write durable. */
    public void commit() throws IOException {
        store.commit(SourcePartition.LOCAL, -1);
    }

    private Mutation.Outcome applyLocal(Mutation.Op op, String id, float[] vector) throws IOException {
        byte[] key = validate(new Mutation(op, id, vector, 0));
        OpenShards.Handle handle = store.acquire(this, SourcePartition.LOCAL);
        try {
            return handle.shard.applyNext(op, id, key, vector);
        } finally {
            store.unpin(handle);
        }
    }

    @Override
    public String toString() {
        return "database " + name + " (dimension " + dimension + ")";
    }
}
