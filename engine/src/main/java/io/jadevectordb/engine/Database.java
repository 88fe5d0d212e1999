package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.metadata.MalformedMetadataException;
import io.jadevectordb.engine.metadata.MetadataFilter;
import io.jadevectordb.engine.shard.Shard;
import io.jadevectordb.engine.shard.ShardView;
import io.jadevectordb.engine.shard.ShardWriterLock;

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
    /**
     * Suffix of a database's provisional metadata ({@code database.properties.<random>.provisional}),
     * which becomes {@link #META_FILE} at its first commit ({@link #promote}); never read as a database.
     */
    static final String PROVISIONAL_SUFFIX = ".provisional";

    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final VectorStore store;
    private final Path directory;
    private final String name;
    private final int dimension;
    private final int maxIdBytes;
    /** The provisional metadata of a database this store created and has not committed yet; null when loaded. */
    private final Path provisional;
    private volatile boolean promoted;
    private volatile boolean superseded;
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
    private final ConcurrentHashMap<String, Shard> openShards = new ConcurrentHashMap<>();

    /** Shard files as last listed, the directory's modification time then, and when it was last compared. */
    private record ShardList(List<ShardRef> refs, FileTime modified, long checkedAt) {
    }

    private volatile ShardList cachedShards;

    private Database(VectorStore store, Path directory, String name, int dimension, int maxIdBytes, Path provisional) {
        this.store = store;
        this.directory = directory;
        this.name = name;
        this.dimension = dimension;
        this.maxIdBytes = maxIdBytes;
        this.provisional = provisional;
        this.promoted = provisional == null;
    }

    /**
     * Creates the database directory and its metadata, unless another writer (another task or
     * process) created it first: what is on disk then wins, and the caller compares dimensions.
     *
     * <p>A {@code provisional} database (one created for the record that first goes to it) has
     * its metadata under a provisional name ({@link #PROVISIONAL_SUFFIX}) that no reader takes
     * for a database; it becomes {@link #META_FILE} only at the first commit of records in one
     * of its shards ({@link #promote}), so such a dimension is fixed only by records that are
     * applied and committed. Otherwise (an explicit creation) the metadata is final at once.
     * What a directory without {@link #META_FILE} holds was never committed (a creator that
     * crashed or gave up before its first commit): it is deleted here, except the shards a live
     * writer holds.
     */
    static Database create(VectorStore store, Path directory, String name, int dimension, int maxIdBytes,
                           boolean provisional) throws IOException {
        Optional<Database> existing = load(store, directory, name);
        if (existing.isPresent()) {
            return existing.get();
        }
        FileIO io = store.options().fileIO();
        ShardFiles.createDirectories(io, directory);
        deleteUncommitted(io, directory, name);
        Path file = directory.resolve(META_FILE + "." + Long.toUnsignedString(ThreadLocalRandom.current()
                .nextLong()) + PROVISIONAL_SUFFIX);
        writeMeta(io, file, dimension, maxIdBytes);
        Database created = new Database(store, directory, name, dimension, maxIdBytes, file);
        if (provisional) {
            return created;
        }
        try {
            Database onDisk = created.linkMeta();
            ShardFiles.fsyncDirectory(io, directory);
            return onDisk;
        } finally {
            io.deleteIfExists(file);
        }
    }

    /** Writes and forces a new metadata file (not yet durable by name: force the directory). */
    private static void writeMeta(FileIO io, Path file, int dimension, int maxIdBytes) throws IOException {
        String meta = "# JadeVectorDB database\nformat=1\ndimension=" + dimension + "\nmaxIdBytes=" + maxIdBytes + "\n";
        // Through the seam, like the shards, so a crash test's images hold the metadata a power loss leaves.
        try (var channel = io.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ShardFiles.writeFully(channel, ByteBuffer.wrap(meta.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
        }
    }

    /**
     * Deletes what a directory without {@link #META_FILE} holds from a creator that never
     * committed: shard files (with their snapshots and source marks) no live writer holds, and
     * provisional metadata. A live creator whose provisional metadata goes writes it again when
     * it promotes.
     */
    private static void deleteUncommitted(FileIO io, Path directory, String name) throws IOException {
        boolean deleted = false;
        for (Path shard : shardFiles(directory)) {
            try (ShardWriterLock writerLock = ShardWriterLock.acquire(io, shard)) {
                deleted |= deleteShardFiles(io, shard);
                SourcePartition source = SourcePartition.fromShardFileName(shard.getFileName().toString());
                io.deleteIfExists(directory.resolve(SOURCES_DIR).resolve(source.toString()));
            } catch (ShardLockedException live) {
                // another writer is creating the database right now: its shard is its own
            }
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, META_FILE + ".*" + PROVISIONAL_SUFFIX)) {
            for (Path leftover : stream) {
                deleted |= io.deleteIfExists(leftover);
            }
        }
        if (deleted) {
            ShardFiles.fsyncDirectory(io, directory);
            log.info("database {}: deleted what an earlier creator left in {} before its first commit", name, directory);
        }
    }

    /** Deletes a shard's files (log, snapshots, temporaries; not its lock file); the caller holds its writer lock. */
    static boolean deleteShardFiles(FileIO io, Path shard) throws IOException {
        Path lockFile = ShardFiles.lockFile(shard);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(shard.getParent(), p -> ShardFiles.isFileOf(shard, p)
                && !p.equals(lockFile))) {
            stream.forEach(files::add);
        }
        boolean deleted = false;
        for (Path file : files) {
            deleted |= io.deleteIfExists(file);
        }
        return deleted;
    }

    /** Whether this database's metadata is final: false until the first commit of one of its shards. */
    boolean promoted() {
        return promoted;
    }

    /**
     * Whether another writer promoted this database with another dimension: this object must
     * not be used any more (the store loads the database again).
     */
    boolean superseded() {
        return superseded;
    }

    /**
     * Makes a provisional database final, before the first checkpoint of its shard fed by
     * {@code source} is written: links the provisional metadata to {@link #META_FILE} (a link
     * fails if the name exists, so of two racing creators exactly one wins) and forces the
     * directory. Nothing once promoted.
     *
     * @throws ShardFailedException when another writer promoted it first with another dimension
     *                              (this shard's records, never committed, are deleted: replaying
     *                              them meets the other dimension), or when the directory force
     *                              failed (a second force could lie)
     * @throws IOException          when the link failed: nothing changed, the next commit tries again
     */
    void promote(SourcePartition source) throws IOException {
        if (promoted) {
            return;
        }
        synchronized (this) { // the shards of one database commit from several threads
            if (promoted) {
                return;
            }
            FileIO io = store.options().fileIO();
            Path meta = directory.resolve(META_FILE);
            Database onDisk = linkMeta();
            if (onDisk.dimension != dimension || onDisk.maxIdBytes != maxIdBytes) {
                superseded = true;
                Path shard = directory.resolve(source.shardFileName());
                String fix = "database '" + name + "' was committed first by another writer with dimension "
                        + onDisk.dimension + " (max id bytes " + onDisk.maxIdBytes + "), not " + dimension + " (max id bytes "
                        + maxIdBytes + "): the records of source " + source + " in shard " + shard
                        + " were never committed and are deleted; replaying them meets dimension " + onDisk.dimension;
                try {
                    deleteShardFiles(io, shard);
                    io.deleteIfExists(directory.resolve(SOURCES_DIR).resolve(source.toString()));
                    io.deleteIfExists(provisional);
                    ShardFiles.fsyncDirectory(io, directory);
                } catch (IOException e) {
                    throw new ShardFailedException(fix + " (deleting them failed: " + e.getMessage()
                            + "; delete the shard file by hand)", e);
                }
                throw new ShardFailedException(fix, null);
            }
            try {
                ShardFiles.fsyncDirectory(io, directory);
            } catch (IOException e) {
                throw new ShardFailedException("database " + name + ": force of " + directory + " after linking " + meta
                        + " failed", e);
            }
            promoted = true;
            io.deleteIfExists(provisional);
            log.info("database {}: committed for the first time (source {}); its dimension {} is fixed", name, source,
                    dimension);
        }
    }

    /**
     * Links the provisional metadata to {@link #META_FILE} (not yet durable: force the directory)
     * and returns the database that name now holds: this one, or the one another writer linked
     * first (a link fails if the name exists, so of two racing creators exactly one wins, whole).
     */
    private Database linkMeta() throws IOException {
        FileIO io = store.options().fileIO();
        Path meta = directory.resolve(META_FILE);
        try {
            try {
                io.createLink(meta, provisional);
            } catch (NoSuchFileException gone) {
                // A creator that found no metadata deleted ours as a leftover: write it again.
                writeMeta(io, provisional, dimension, maxIdBytes);
                io.createLink(meta, provisional);
            }
        } catch (FileAlreadyExistsException raced) {
            // another writer linked it first (or this one did, and the force after failed): compared by the caller
        }
        return load(store, directory, name).orElseThrow(() -> new IOException("database " + name + ": " + meta
                + " vanished while it was being created"));
    }

    /** Checks {@code first} as a database of that dimension, not yet created, would ({@link #validate}). */
    static void validateForNew(VectorStore store, Path directory, String name, int dimension, int maxIdBytes, Mutation first) {
        new Database(store, directory, name, dimension, maxIdBytes, null).validate(first);
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
            return Optional.of(new Database(store, directory, name, dimension, maxIdBytes, null));
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

    /** True when {@code source} has ever had a shard in the database (perhaps provisional) in {@code directory}. */
    static boolean hasFed(Path directory, SourcePartition source) {
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
        byte[] metadata = m.metadata();
        int maxMetadata = store.options().maxMetadataBytes();
        if (metadata != null && metadata.length > maxMetadata) {
            throw new InvalidMutationException("metadata", metadata.length + " bytes", "id '" + m.id() + "' (offset "
                    + m.sourceOffset() + ") in database '" + name + "' carries more metadata than the limit of " + maxMetadata
                    + " bytes; send less, or raise StoreOptions.maxMetadataBytes (at most " + ShardFormat.MAX_METADATA_BYTES + ")");
        }
        if (m.op() != Mutation.Op.DELETE && m.hasVector()) {
            // Either form: the float[] or the little-endian bytes, read in place (no float[] is built for the bytes).
            int length = m.vectorLength();
            if (length != dimension) {
                throw new InvalidMutationException("vector", "float[" + length + "]", "database '" + name + "' has dimension "
                        + dimension + " but id '" + m.id() + "' (offset " + m.sourceOffset() + ") has " + length
                        + " components; send " + dimension + "-dimensional vectors or route them to another database");
            }
            if (!store.options().allowNonFinite()) {
                int i = firstNonFinite(m);
                if (i >= 0) {
                    throw new InvalidMutationException("vector[" + i + "]", Float.toString(m.component(i)), "id '" + m.id()
                            + "' (offset " + m.sourceOffset() + ") in database '" + name + "' has a non-finite component; "
                            + "fix the producer, or allow NaN/Infinity explicitly (StoreOptions.withAllowNonFinite)");
                }
            }
        }
        return id;
    }

    /** The index of the first NaN or infinite component, or -1. */
    private static int firstNonFinite(Mutation m) {
        float[] v = m.vector();
        if (v != null) {
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    return i;
                }
            }
            return -1;
        }
        ByteBuffer bytes = m.vectorBytes();
        for (int i = 0, n = bytes.capacity() / Float.BYTES; i < n; i++) {
            // All exponent bits set is NaN or an infinity: one int read and mask per component.
            if ((bytes.getInt(i * Float.BYTES) & 0x7f800000) == 0x7f800000) {
                return i;
            }
        }
        return -1;
    }

    private byte[] validateId(String id) {
        if (id == null || id.isEmpty()) {
            throw new InvalidMutationException("id", id == null ? "null" : "''", "every mutation needs a non-empty id");
        }
        byte[] bytes = ShardFormat.idBytes(id);
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

    /**
     * The live vector of an id, looked up in every shard; sees applied records, committed or
     * not. A shard this store has open is read without a lock in the common case (an optimistic
     * read, {@link Shard#getIfOpen}), and a hit in one of the shards last listed is returned
     * without looking at the clock or the directory (an id lives in one shard); a miss looks
     * again as {@link #RECHECK_NANOS} says, so a shard another process created is searched.
     */
    public Optional<float[]> get(String id) throws IOException {
        byte[] key = validateId(id);
        ShardList listed = cachedShards;
        if (listed != null) {
            for (ShardRef shard : listed.refs()) {
                float[] v = getFromOpenShard(shard, key);
                if (v != null && v != Shard.NOT_OPEN) {
                    return Optional.of(v);
                }
            }
        }
        for (ShardRef shard : shards()) {
            float[] v = getFromOpenShard(shard, key);
            if (v == Shard.NOT_OPEN) {
                v = withShard(shard, s -> s.get(key));
            }
            if (v != null) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /**
     * The live vector of an id with its metadata ({@link StoredVector#metadata()} null when it
     * has none), looked up in every shard; sees applied records, as {@link #get} does.
     */
    public Optional<StoredVector> getEntry(String id) throws IOException {
        byte[] key = validateId(id);
        for (ShardRef shard : shards()) {
            StoredVector v = withShard(shard, s -> s.getEntry(key));
            if (v != null) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /**
     * A read from a shard this store has open, without the store's locks or a pin: the
     * shard's read lock alone keeps it from closing underneath. {@link Shard#NOT_OPEN} when
     * it is not open here (the caller takes the slow path, which opens it).
     */
    private float[] getFromOpenShard(ShardRef ref, byte[] key) {
        Shard shard = openShards.get(ref.key());
        return shard == null ? Shard.NOT_OPEN : shard.getIfOpen(key);
    }

    /** The store opened a writable shard of this database: reads may use it directly until it closes. */
    void opened(String key, Shard shard) {
        openShards.put(key, shard);
    }

    /**
     * Batch retrieve: the live vectors of those ids that exist, in the iteration order of
     * {@code ids} (an id given twice appears once); each read as {@link #get} reads it.
     */
    public Map<String, float[]> getAll(Collection<String> ids) throws IOException {
        String[] wanted = ids.toArray(new String[0]);
        byte[][] keys = new byte[wanted.length][];
        for (int i = 0; i < wanted.length; i++) {
            keys[i] = validateId(wanted[i]);
        }
        float[][] vectors = new float[wanted.length][];
        int missing = wanted.length;
        for (ShardRef shard : shards()) {
            if (missing == 0) {
                break;
            }
            missing = readMissing(shard, keys, vectors, missing);
        }
        Map<String, float[]> found = new LinkedHashMap<>();
        for (int i = 0; i < wanted.length; i++) {
            if (vectors[i] != null) {
                found.putIfAbsent(wanted[i], vectors[i]);
            }
        }
        return found;
    }

    /**
     * Reads from one shard the vectors of those {@code keys} whose {@code vectors} slot is still
     * empty: lock-free while the store has the shard open, as {@link #get}; returns how many stay
     * missing.
     */
    private int readMissing(ShardRef ref, byte[][] keys, float[][] vectors, int missing) throws IOException {
        Shard open = openShards.get(ref.key());
        int i = 0;
        if (open != null) {
            for (; i < keys.length; i++) {
                if (vectors[i] == null) {
                    float[] v = open.getIfOpen(keys[i]);
                    if (v == Shard.NOT_OPEN) {
                        break; // it closed meanwhile: the rest through the store, which opens it again
                    }
                    if (v != null) {
                        vectors[i] = v;
                        missing--;
                    }
                }
            }
        }
        if (i == keys.length) {
            return missing;
        }
        int from = i;
        int stillMissing = missing;
        return withShard(ref, s -> {
            int left = stillMissing;
            for (int j = from; j < keys.length; j++) {
                if (vectors[j] == null) {
                    vectors[j] = s.get(keys[j]);
                    if (vectors[j] != null) {
                        left--;
                    }
                }
            }
            return left;
        });
    }

    /**
     * Batch retrieve with metadata: the live entries of those ids that exist
     * ({@link StoredVector#metadata()} null when one has none), in the iteration order of
     * {@code ids}; sees applied records, as {@link #getEntry} does.
     */
    public Map<String, StoredVector> getAllEntries(Collection<String> ids) throws IOException {
        Map<String, StoredVector> found = new HashMap<>();
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
                        StoredVector v = s.getEntry(key);
                        if (v != null) {
                            found.put(id, v);
                        }
                    }
                }
                return null;
            });
        }
        Map<String, StoredVector> ordered = new LinkedHashMap<>();
        for (String id : ids) {
            StoredVector v = found.get(id);
            if (v != null) {
                ordered.put(id, v);
            }
        }
        return ordered;
    }

    /**
     * Visits every live vector of every shard as of the shard's last commit: what a restart
     * keeps and what a reader in another process sees; records applied but not committed yet
     * are not visited ({@link #get} sees them). Each shard is read through a lock-free view
     * ({@link ShardView}), so the visitor runs with no lock of the store or of a shard held: it may
     * read and write the store, this database included (its writes are not visited).
     *
     * @throws CorruptShardException when committed records of a shard fail their checksum
     *                               (damage), after the intact ones were visited
     */
    public void scan(BiConsumer<String, float[]> visitor) throws IOException {
        for (ShardRef shard : shards()) {
            try (ShardView view = committedView(shard)) {
                long unreadable = view.scan(visitor);
                if (unreadable > 0) {
                    throw new CorruptShardException("shard " + shard.name() + ": " + unreadable + " committed record(s) fail "
                            + "their checksum and were not visited; run `jvdb verify`, then restore the file or replay the source");
                }
            }
        }
    }

    /**
     * As {@link #scan}, visiting each live vector with its metadata ({@link StoredVector#metadata()}
     * null when it has none).
     *
     * @throws CorruptShardException when committed records of a shard fail their checksum
     *                               (damage), after the intact ones were visited
     */
    public void scanEntries(Consumer<StoredVector> visitor) throws IOException {
        for (ShardRef shard : shards()) {
            try (ShardView view = committedView(shard)) {
                long unreadable = view.scanEntries(visitor);
                if (unreadable > 0) {
                    throw new CorruptShardException("shard " + shard.name() + ": " + unreadable + " committed record(s) fail "
                            + "their checksum and were not visited; run `jvdb verify`, then restore the file or replay the source");
                }
            }
        }
    }

    /**
     * As {@link #scanEntries(Consumer)}, visiting only the vectors whose metadata {@code filter}
     * accepts (see {@link MetadataFilter}); metadata is decoded only as far as the filter's keys
     * reach, and the vector of a refused entry is not copied.
     *
     * @throws CorruptShardException      when committed records of a shard fail their checksum
     *                                    (damage), after the intact ones were visited
     * @throws MalformedMetadataException when the metadata of a vector is not well-formed CBOR, so
     *                                    the filter cannot be evaluated on it: the scan went on
     *                                    without those vectors, the message names the first
     */
    public void scanEntries(MetadataFilter filter, Consumer<StoredVector> visitor) throws IOException {
        Objects.requireNonNull(filter, "filter (MetadataFilter.ALL for none)");
        long malformed = 0;
        MalformedMetadataException first = null;
        for (ShardRef shard : shards()) {
            MalformedMetadataException[] seen = {null};
            long[] count = {0};
            try (ShardView view = committedView(shard)) {
                long unreadable = view.scanEntries((id, record, offset, length) -> {
                    try {
                        return offset < 0 ? filter.matches(null) : filter.matches(record, offset, length);
                    } catch (MalformedMetadataException e) {
                        if (seen[0] == null) {
                            seen[0] = e.in("vector '" + id + "' of shard " + shard.name());
                        }
                        count[0]++;
                        return false;
                    }
                }, visitor);
                if (unreadable > 0) {
                    throw new CorruptShardException("shard " + shard.name() + ": " + unreadable + " committed record(s) fail "
                            + "their checksum and were not visited; run `jvdb verify`, then restore the file or replay the source");
                }
            }
            malformed += count[0];
            first = first == null ? seen[0] : first;
        }
        if (first != null) {
            throw first.in("database " + name + ": " + malformed + " vector(s) left out of a filtered scan because their "
                    + "metadata cannot be decoded; the first");
        }
    }

    /** A view of a shard's last commit, opened once the store has the shard (which migrates a format 1 file first). */
    private ShardView committedView(ShardRef ref) throws IOException {
        OpenShards.Handle handle;
        try {
            handle = store.acquire(this, ref.source(), ref.key());
        } catch (ShardLockedException e) {
            return ShardView.open(ref.name(), ref.path(), store.options());
        }
        try {
            return ShardView.open(ref.name(), ref.path(), store.options());
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
            ShardStats s = withShard(shard, ShardReadout::stats);
            shards.add(s);
            live += s.liveCount();
            deleted += s.deletedCount();
            bytes += s.fileBytes();
        }
        return new DatabaseStats(name, dimension, live, deleted, bytes, shards);
    }

    private interface ShardFunction<T> {
        T apply(ShardReadout shard) throws IOException;
    }

    /** What reads need of a shard, from the store's writable handle or from a lock-free snapshot. */
    private interface ShardReadout {
        public float[] get(byte[] id) throws IOException;

        StoredVector getEntry(byte[] id) throws IOException;

        ShardStats stats() throws IOException;
    }

    /**
     * Runs a read on a shard: through the store's writable handle or, when another process's
     * writer holds the shard, through a {@link ShardView}, which checks every record and
     * vector it copies, so a concurrent write is never seen half done.
     */
    private <T> T withShard(ShardRef ref, ShardFunction<T> fn) throws IOException {
        Path path = ref.path();
        String shardName = ref.name();
        OpenShards.Handle handle;
        try {
            handle = store.acquire(this, ref.source(), ref.key());
        } catch (ShardLockedException e) {
            try (ShardView snapshot = ShardView.open(shardName, path, store.options())) {
                return fn.apply(new ShardReadout() {
                    @Override
                    public float[] get(byte[] id) throws IOException {
                        return snapshot.get(id);
                    }

                    @Override
                    public StoredVector getEntry(byte[] id) throws IOException {
                        return snapshot.getEntry(id);
                    }

                    @Override
                    public ShardStats stats() throws IOException {
                        return Shard.statsOf(shardName, path);
                    }
                });
            }
        }
        try {
            Shard shard = handle.shard;
            return fn.apply(new ShardReadout() {
                @Override
                public float[] get(byte[] id) {
                    return shard.get(id);
                }

                @Override
                public StoredVector getEntry(byte[] id) {
                    return shard.getEntry(id);
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
