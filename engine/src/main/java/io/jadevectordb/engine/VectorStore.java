package io.jadevectordb.engine;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store: a root directory of databases, each a directory of shard files, one per source
 * partition that feeds it.
 *
 * <p>Shards open lazily on first use; at most {@link StoreOptions#maxOpenShards()} stay open,
 * the least recently used beyond that are closed cleanly (forced and checkpointed at the
 * highest offset they applied, so closing never loses applied data).
 *
 * <p>Thread-safe. Lock order: the store's monitor, then a shard's lock, never the reverse.
 */
public final class VectorStore implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(VectorStore.class);

    private final Path root;
    private final StoreOptions options;
    private final Flusher flusher;
    private final Compactor compactor;
    /** Open shards in access order (least recently used first). Guarded by {@code this}. */
    private final LinkedHashMap<String, Handle> open = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Database> databases = new HashMap<>();
    /** Sources with a shard whose force failed while it was closed on eviction; their next commit fails. */
    private final Set<SourcePartition> failedSources = new HashSet<>();
    /** Per source, shards closed by the LRU since they were last used (database/file keys). Guarded by {@code this}. */
    private final Map<SourcePartition, Set<String>> evicted = new HashMap<>();
    /** Sources resumed with {@link #resume}: every mutation of them since their resume point is applied here. */
    private final Set<SourcePartition> resumed = new HashSet<>();
    /** Per source, the offset of its last commit in this store. Guarded by {@code this}. */
    private final Map<SourcePartition, Long> committed = new HashMap<>();
    private boolean closed;

    /** An open shard and how many callers are using it right now (pinned shards are not evicted). */
    static final class Handle {
        final LogShard shard;
        final SourcePartition source;
        int pins;

        Handle(LogShard shard, SourcePartition source) {
            this.shard = shard;
            this.source = source;
        }
    }

    private VectorStore(Path root, StoreOptions options) {
        this.root = root;
        this.options = options;
        this.flusher = options.flushInterval().isZero() ? null : new Flusher(this, options.flushInterval());
        this.compactor = new Compactor(this);
    }

    /** Opens (creating when absent) the store rooted at {@code root}. */
    public static VectorStore open(Path root, StoreOptions options) throws IOException {
        Path absolute = root.toAbsolutePath().normalize();
        Files.createDirectories(absolute);
        return new VectorStore(absolute, options);
    }

    public Path root() {
        return root;
    }

    public StoreOptions options() {
        return options;
    }

    /**
     * Creates a database, or returns the existing one when it has the same dimension.
     *
     * @throws InvalidMutationException for a bad name (field {@code database}) or a dimension
     *                                  out of range or different from the existing database's
     */
    public Database createDatabase(String name, int dimension) throws IOException {
        DatabaseName.validate(name);
        if (dimension < ShardFormat.MIN_DIMENSION || dimension > ShardFormat.MAX_DIMENSION) {
            throw new InvalidMutationException("dimension", Integer.toString(dimension), "database '" + name
                    + "': a dimension must be " + ShardFormat.MIN_DIMENSION + ".." + ShardFormat.MAX_DIMENSION);
        }
        synchronized (this) {
            ensureOpen();
            Optional<Database> existing = database(name);
            if (existing.isPresent()) {
                if (existing.get().dimension() != dimension) {
                    throw new InvalidMutationException("dimension", Integer.toString(dimension), "database '" + name
                            + "' exists with dimension " + existing.get().dimension()
                            + "; send vectors of that dimension or use another database");
                }
                return existing.get();
            }
            Database database = Database.create(this, root.resolve(name), name, dimension, options.maxIdBytes());
            ShardFiles.fsyncDirectory(options.fileIO(), root);
            if (database.dimension() != dimension) {
                throw new InvalidMutationException("dimension", Integer.toString(dimension), "database '" + name
                        + "' was just created by another writer with dimension " + database.dimension()
                        + "; send vectors of that dimension or use another database");
            }
            databases.put(name, database);
            LOG.info("database {}: created in {} (dimension {}, max id bytes {})", name, root, dimension, options.maxIdBytes());
            return database;
        }
    }

    /** The database of that name, if it exists. */
    public Optional<Database> database(String name) throws IOException {
        DatabaseName.validate(name);
        synchronized (this) {
            ensureOpen();
            Database cached = databases.get(name);
            if (cached != null) {
                return Optional.of(cached);
            }
            Optional<Database> loaded = Database.load(this, root.resolve(name), name);
            loaded.ifPresent(d -> databases.put(name, d));
            return loaded;
        }
    }

    /** Names of all databases, sorted. */
    public List<String> databaseNames() throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path dir : dirs) {
                if (Database.isDatabaseDirectory(dir)) {
                    names.add(dir.getFileName().toString());
                }
            }
        }
        names.sort(null);
        return names;
    }

    /**
     * Deletes a database and its directory. Refuses while another writer holds one of its shards.
     *
     * @return false when there was no such database
     */
    public boolean deleteDatabase(String name) throws IOException {
        DatabaseName.validate(name);
        synchronized (this) {
            ensureOpen();
            Path dir = root.resolve(name);
            if (!Database.isDatabaseDirectory(dir)) {
                return false;
            }
            awaitUnpinned(h -> h.shard.path().getParent().equals(dir), "database " + name);
            for (Iterator<Map.Entry<String, Handle>> it = open.entrySet().iterator(); it.hasNext(); ) {
                Handle handle = it.next().getValue();
                if (handle.shard.path().getParent().equals(dir)) {
                    handle.shard.close();
                    it.remove();
                }
            }
            List<ShardWriterLock> locks = new ArrayList<>();
            try {
                for (Path shard : Database.shardFiles(dir)) {
                    locks.add(ShardWriterLock.acquire(shard));
                }
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path p : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            } finally {
                for (ShardWriterLock lock : locks) {
                    lock.close();
                }
            }
            ShardFiles.fsyncDirectory(options.fileIO(), root);
            databases.remove(name);
            LOG.info("database {}: deleted {}", name, dir);
            return true;
        }
    }

    /**
     * Deletes the local state of {@code source}: its shard in every database (log, index
     * snapshots, temporaries) and each database's record that the source fed it, so that a
     * following {@link #checkpoint} finds no local state. The Kafka sink does this when an
     * operator resets the partition's offsets. Safe to repeat after a crash part-way: what is
     * left is deleted the next time. Refuses while another writer holds one of the shards.
     */
    public void dropSource(SourcePartition source) throws IOException {
        synchronized (this) {
            ensureOpen();
            awaitUnpinned(h -> h.source.equals(source), "source " + source);
            for (Iterator<Handle> it = open.values().iterator(); it.hasNext(); ) {
                Handle handle = it.next();
                if (handle.source.equals(source)) {
                    it.remove();
                    handle.shard.close();
                }
            }
            evicted.remove(source);
            resumed.remove(source);
            committed.remove(source);
            failedSources.remove(source);
            String shardName = source.shardFileName();
            for (String name : databaseNames()) {
                Path dir = root.resolve(name);
                Path shard = dir.resolve(shardName);
                Path lockFile = ShardFiles.lockFile(shard);
                List<Path> files = new ArrayList<>();
                try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, p -> p.getFileName().toString()
                        .startsWith(shardName) && !p.equals(lockFile))) {
                    stream.forEach(files::add);
                }
                boolean dropped = false;
                if (!files.isEmpty()) {
                    try (ShardWriterLock lock = ShardWriterLock.acquire(shard)) {
                        for (Path file : files) {
                            dropped |= options.fileIO().deleteIfExists(file);
                        }
                    }
                }
                dropped |= options.fileIO().deleteIfExists(dir.resolve(Database.SOURCES_DIR).resolve(source.toString()));
                if (dropped) {
                    ShardFiles.fsyncDirectory(options.fileIO(), dir);
                    if (Files.isDirectory(dir.resolve(Database.SOURCES_DIR))) {
                        ShardFiles.fsyncDirectory(options.fileIO(), dir.resolve(Database.SOURCES_DIR));
                    }
                    LOG.info("database {}: dropped the local state of source {} ({})", name, source, shard);
                }
            }
        }
    }

    /**
     * Applies a batch, in order, to the shard of {@code database} fed by {@code source}. Each
     * mutation is validated just before it is applied; an invalid one throws
     * {@link InvalidMutationException} with those before it applied.
     *
     * @throws IllegalStateException when the database does not exist
     */
    public List<Mutation.Outcome> apply(String database, SourcePartition source, List<Mutation> batch) throws IOException {
        Database db = database(database).orElseThrow(() -> new IllegalStateException("database " + database
                + " does not exist in " + root + "; create it first (createDatabase)"));
        Handle handle = acquire(db, source);
        try {
            return handle.shard.applyAll(batch, db::validate);
        } finally {
            unpin(handle);
        }
    }

    /**
     * Makes everything applied for {@code source} durable and records {@code lastOffset} (the
     * offset of the last included mutation) as the checkpoint of each shard it feeds. Returns
     * only when all of it is on disk.
     *
     * @throws ShardFailedException when a force failed (now or in the background); nothing of
     *                              this source since its last checkpoint can be trusted
     */
    public void commit(SourcePartition source, long lastOffset) throws IOException {
        List<Handle> handles = new ArrayList<>();
        synchronized (this) {
            ensureOpen();
            if (failedSources.contains(source)) {
                throw new ShardFailedException("source " + source + ": a shard failed to force when it was closed; "
                        + "release the source and replay it from its checkpoint", null);
            }
            for (Handle handle : open.values()) {
                if (handle.source.equals(source)) {
                    handle.pins++;
                    handles.add(handle);
                }
            }
        }
        try {
            for (Handle handle : handles) {
                if (source.equals(SourcePartition.LOCAL)) {
                    handle.shard.commitApplied();
                } else {
                    handle.shard.commit(lastOffset);
                }
                compactor.offer(handle.shard);
            }
        } finally {
            for (Handle handle : handles) {
                unpin(handle);
            }
        }
        synchronized (this) {
            committed.merge(source, lastOffset, Math::max);
        }
    }

    /**
     * The lowest checkpointed offset among the shard files of {@code source} in every database:
     * replaying from the next offset restores every shard. Empty when the source has no shard
     * anywhere (no local state); -1 when a shard has never been checkpointed, or when a database
     * the source fed has lost its shard (moved aside, deleted by hand): replay from the start.
     */
    public OptionalLong checkpoint(SourcePartition source) throws IOException {
        long lowest = Long.MAX_VALUE;
        boolean found = false;
        for (String name : databaseNames()) {
            Path path = root.resolve(name).resolve(source.shardFileName());
            long offset;
            synchronized (this) {
                Handle handle = open.get(key(name, source));
                if (handle != null) {
                    offset = handle.shard.checkpoint().sourceOffset();
                } else if (Files.exists(path)) {
                    offset = LogShard.checkpointOffset(name + "/" + source.shardFileName(), path);
                } else if (database(name).map(db -> db.hasFed(source)).orElse(false)) {
                    LOG.warn("database {}: source {} fed it but its shard {} is gone; the source is replayed from its start",
                            name, source, path);
                    offset = -1;
                } else {
                    continue;
                }
            }
            found = true;
            lowest = Math.min(lowest, offset);
        }
        return found ? OptionalLong.of(lowest) : OptionalLong.empty();
    }

    /**
     * {@link #checkpoint}, for a caller that will now apply every mutation of {@code source}
     * after the returned offset, in order (the Kafka sink, when a partition is assigned to it).
     * That promise lets the store move the checkpoint of the source's idle shards (databases
     * it no longer writes) up to its commits when the source is released or the store closes,
     * so such a database does not hold the resume point back forever.
     */
    public OptionalLong resume(SourcePartition source) throws IOException {
        OptionalLong from = checkpoint(source);
        synchronized (this) {
            resumed.add(source);
        }
        return from;
    }

    /**
     * Closes the shards of {@code source} cleanly (a partition moving elsewhere, or the task
     * stopping), marking each as released: readers learn that no writer keeps it current.
     */
    public void release(SourcePartition source) throws IOException {
        IOException failure;
        synchronized (this) {
            awaitUnpinned(h -> h.source.equals(source), "source " + source);
            List<Handle> released = new ArrayList<>();
            for (Iterator<Handle> it = open.values().iterator(); it.hasNext(); ) {
                Handle handle = it.next();
                if (handle.source.equals(source)) {
                    it.remove();
                    released.add(handle);
                }
            }
            failure = closeEach(released, true);
            failedSources.remove(source);
            advanceIdle(source);
            resumed.remove(source);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Moves the checkpoint of the source's shards that are not open up to its last commit:
     * those the open-shard limit closed and, when the source was resumed ({@link #resume}),
     * every other shard of it too. Truthful: such a shard was forced
     * when it closed (or has not changed since its checkpoint), and any mutation for it after
     * that would have reopened it; a resumed source was applied from the lowest checkpoint of its
     * shards, so no mutation for an idle shard lies between its checkpoint and the commit.
     * Without this, a database the partition no longer feeds would pin its resume point (and
     * every restart would replay from there). Done when a source is released or the store
     * closes, not at every commit, to keep commits cheap.
     */
    private void advanceIdle(SourcePartition source) {
        Set<String> keys = evicted.remove(source);
        Long offset = committed.get(source);
        if (offset == null || source.equals(SourcePartition.LOCAL)) {
            return;
        }
        Set<String> idle = new java.util.TreeSet<>(keys == null ? Set.of() : keys);
        if (resumed.contains(source)) {
            try {
                for (String name : databaseNames()) {
                    idle.add(key(name, source));
                }
            } catch (IOException e) {
                LOG.warn("source {}: cannot list the databases to move idle shards up to offset {} ({})", source, offset,
                        e.getMessage());
            }
        }
        idle.removeIf(open::containsKey);
        advanceTo(source, idle, offset);
    }

    private void advanceTo(SourcePartition source, Set<String> keys, long offset) {
        for (String key : keys) {
            String database = key.substring(0, key.indexOf('/'));
            try {
                Optional<Database> db = database(database);
                Path path = db.isEmpty() ? null : db.get().directory().resolve(source.shardFileName());
                if (path == null || !Files.exists(path) || LogShard.checkpointOffset(key, path) >= offset) {
                    continue;
                }
                LogShard shard = LogShard.openForWrite(key, path, db.get().dimension(), db.get().maxIdBytes(), options);
                try {
                    shard.commit(offset);
                } finally {
                    shard.close(true); // the source is being given up: nobody keeps this shard current either
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("shard {}: could not move its checkpoint up to offset {} of source {} ({}); "
                        + "resuming the source will replay a little more", key, offset, source, e.getMessage());
            }
        }
    }

    /** Number of shard files open now. */
    public synchronized int openShardCount() {
        return open.size();
    }

    /** Opens (or finds) the writable shard of a database for a source and pins it. */
    Handle acquire(Database db, SourcePartition source) throws IOException {
        return acquire(db, source, key(db.name(), source));
    }

    /** {@link #acquire(Database, SourcePartition)} with the shard's key ({@code database/shard file}) worked out already. */
    Handle acquire(Database db, SourcePartition source, String key) throws IOException {
        synchronized (this) {
            ensureOpen();
            Handle handle = open.get(key);
            if (handle == null || !handle.shard.isOpen()) {
                if (handle != null && handle.shard.isFailed()) {
                    failedSources.add(source);
                }
                db.recordSource(source);
                Set<String> wasEvicted = evicted.get(source);
                if (wasEvicted != null) {
                    wasEvicted.remove(key);
                }
                LogShard shard = LogShard.openForWrite(db.name() + "/" + source.shardFileName(),
                        db.directory().resolve(source.shardFileName()), db.dimension(), db.maxIdBytes(), options);
                handle = new Handle(shard, source);
                open.put(key, handle);
                db.shardsChanged();
                db.opened(key, shard);
            }
            handle.pins++;
            evictBeyondLimit();
            return handle;
        }
    }

    synchronized void unpin(Handle handle) {
        handle.pins--;
        evictBeyondLimit();
        notifyAll();
    }

    /**
     * Waits (releasing the monitor) until no caller uses a matching shard: the flusher or a
     * reader may hold one briefly.
     */
    private void awaitUnpinned(java.util.function.Predicate<Handle> matches, String what) throws IOException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            Handle busy = null;
            for (Handle handle : open.values()) {
                if (handle.pins > 0 && matches.test(handle)) {
                    busy = handle;
                }
            }
            long left = deadline - System.nanoTime();
            if (busy == null) {
                return;
            }
            if (left <= 0) {
                throw new IllegalStateException(what + ": shard " + busy.shard.name()
                        + " is still in use after 30 s; stop using it first");
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for " + what + " to be unused");
            }
        }
    }

    private void evictBeyondLimit() {
        for (Iterator<Handle> it = open.values().iterator(); open.size() > options.maxOpenShards() && it.hasNext(); ) {
            Handle handle = it.next();
            if (handle.pins > 0) {
                continue;
            }
            it.remove();
            try {
                handle.shard.close();
            } catch (IOException e) {
                LOG.error("shard {}: closing on eviction failed; the next commit of source {} will fail",
                        handle.shard.name(), handle.source, e);
            }
            if (handle.shard.isFailed()) {
                failedSources.add(handle.source);
            } else {
                evicted.computeIfAbsent(handle.source, k -> new HashSet<>()).add(key(databaseOf(handle), handle.source));
            }
        }
    }

    /** Background flusher step: force dirty pages of every open shard. */
    void forceOpenShards() {
        List<Handle> handles;
        synchronized (this) {
            if (closed) {
                return;
            }
            handles = new ArrayList<>(open.values());
            handles.forEach(h -> h.pins++);
        }
        try {
            for (Handle handle : handles) {
                try {
                    handle.shard.forceDirty();
                } catch (IOException e) {
                    LOG.error("shard {}: background force failed", handle.shard.name(), e);
                }
            }
        } finally {
            handles.forEach(this::unpin);
        }
    }

    private static String databaseOf(Handle handle) {
        String name = handle.shard.name();
        return name.substring(0, name.indexOf('/'));
    }

    private static String key(String database, SourcePartition source) {
        return database + "/" + source.shardFileName();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("store " + root + " is closed");
        }
    }

    /**
     * Closes every shard, even when closing one fails: the first failure is returned, with the
     * others added to it as suppressed, so no shard is left open (holding its lock) and no
     * failure goes unreported. Null when all closed cleanly.
     */
    private static IOException closeEach(List<Handle> handles, boolean released) {
        IOException failure = null;
        for (Handle handle : handles) {
            try {
                handle.shard.close(released);
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        return failure;
    }

    /** Forces and cleanly closes every open shard. */
    @Override
    public void close() throws IOException {
        if (flusher != null) {
            flusher.close();
        }
        compactor.close();
        IOException failure = null;
        synchronized (this) {
            if (closed) {
                return;
            }
            Set<SourcePartition> sources = new HashSet<>(evicted.keySet());
            sources.addAll(resumed);
            for (SourcePartition source : sources) {
                advanceIdle(source);
            }
            closed = true;
            failure = closeEach(new ArrayList<>(open.values()), false);
            open.clear();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
