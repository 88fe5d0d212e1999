package io.jadevectordb.engine;

import static io.jadevectordb.engine.io.Locks.inLock;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.io.Locks;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.io.Uninterruptibly;
import io.jadevectordb.engine.shard.Shard;
import io.jadevectordb.engine.shard.ShardWriterLock;

/**
 * A store: a root directory of databases, each a directory of shard files, one per source
 * partition that feeds it.
 *
 * <p>Shards open lazily on first use; at most {@link StoreOptions#maxOpenShards()} stay open:
 * beyond that the least recently used idle shards whose records are all committed are closed
 * (a shard with records its source has not committed stays open until it does). Closing a
 * shard never changes what it holds: it stays at its last commit, and records applied after
 * that are discarded (replaying the source restores them), except the direct API's, which
 * closing commits ({@link Database#commit}).
 *
 * <p>Thread-safe. Lock order: the store's lock, then the open-shard table's
 * ({@link OpenShards}), then a shard's lock, never the reverse. The store's lock (private)
 * serialises what changes the set of shards and databases: opening a shard, releasing,
 * dropping or deleting, checkpoint reads of closed shards. Using a shard that is open takes
 * only the table's lock, and {@link Database}'s fast read path takes neither.
 */
public final class VectorStore implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(VectorStore.class);

    private final Path root;
    private final StoreOptions options;
    private final Flusher flusher;
    private final Compactor compactor;
    private final OpenShards openShards;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    private final Map<String, Database> databases = new HashMap<>();
    /** Sources resumed with {@link #resume}: every mutation of them since their resume point is applied here. Guarded by {@link #lock}. */
    private final Set<SourcePartition> resumed = new HashSet<>();
    /** Per source, the offset of its last commit in this store; concurrent, so that a commit never waits for the store's lock. */
    private final Map<SourcePartition, Long> committed = new ConcurrentHashMap<>();

    private VectorStore(Path root, StoreOptions options) {
        this.root = root;
        this.options = options;
        this.openShards = new OpenShards(root.toString(), options.maxOpenShards());
        this.flusher = options.flushInterval().isZero() ? null : new Flusher(this, options.flushInterval());
        this.compactor = new Compactor(this);
    }

    /**
     * Opens (creating when absent) the store rooted at {@code root}, claiming no ownership: for
     * readers, tools and programs that are the store's only user.
     */
    public static VectorStore open(Path root, StoreOptions options) throws IOException {
        return open(root, options, null);
    }

    /**
     * Opens (creating when absent) the store rooted at {@code root} for {@code owner}, the
     * identity of the one source that writes it (the Kafka sink passes its connector): the
     * first owner is recorded durably in the store, a store without one is adopted, and an open
     * by another owner is refused. Sources are keyed by stream and partition across the store,
     * so two owners in one store would mix their checkpoints and lose records.
     *
     * @param owner the owning identity, or null to claim nothing
     * @throws StoreOwnedException when the store belongs to another owner (the message names both and the fix)
     */
    public static VectorStore open(Path root, StoreOptions options, String owner) throws IOException {
        Path absolute = root.toAbsolutePath().normalize();
        ShardFiles.createDirectories(options.fileIO(), absolute);
        if (owner != null) {
            StoreOwner.claim(options.fileIO(), absolute, owner);
        }
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
        return createDatabase(name, dimension, false);
    }

    private Database createDatabase(String name, int dimension, boolean provisional) throws IOException {
        DatabaseName.validate(name);
        if (dimension < Database.MIN_DIMENSION || dimension > Database.MAX_DIMENSION) {
            throw new InvalidMutationException("dimension", Integer.toString(dimension), "database '" + name
                    + "': a dimension must be " + Database.MIN_DIMENSION + ".." + Database.MAX_DIMENSION);
        }
        return inLock(lock, () -> {
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
            Database database = Database.create(this, root.resolve(name), name, dimension, options.maxIdBytes(), provisional);
            ShardFiles.fsyncDirectory(options.fileIO(), root);
            if (database.dimension() != dimension) {
                throw new InvalidMutationException("dimension", Integer.toString(dimension), "database '" + name
                        + "' was just created by another writer with dimension " + database.dimension()
                        + "; send vectors of that dimension or use another database");
            }
            databases.put(name, database);
            log.info("database {}: created in {} (dimension {}, max id bytes {}{})", name, root, dimension, options.maxIdBytes(),
                    database.promoted() ? "" : "; provisional until records of it are committed");
            return database;
        });
    }

    /**
     * {@link #createDatabase(String, int)} for the mutation that makes the database: when the
     * database does not exist yet, {@code first} is checked as the new database would check it
     * before anything is created, so a record that is refused (a bad id, a non-finite component)
     * never fixes a database's dimension. A database created here is provisional: no reader
     * lists it, and its dimension is fixed only when records of it are committed (the first
     * commit of one of its shards makes it final); a crash or a close before that leaves
     * nothing that the next creation, perhaps with another dimension, does not replace.
     *
     * @throws InvalidMutationException as {@link #createDatabase(String, int)}, or for {@code first}
     */
    public Database createDatabase(String name, int dimension, Mutation first) throws IOException {
        DatabaseName.validate(name);
        if (database(name).isEmpty() && dimension >= Database.MIN_DIMENSION && dimension <= Database.MAX_DIMENSION) {
            Database.validateForNew(this, root.resolve(name), name, dimension, options.maxIdBytes(), first);
        }
        return createDatabase(name, dimension, true);
    }

    /** The database of that name, if it exists. */
    public Optional<Database> database(String name) throws IOException {
        DatabaseName.validate(name);
        return inLock(lock, () -> {
            ensureOpen();
            Database cached = databases.get(name);
            if (cached != null && !cached.superseded()) {
                return Optional.of(cached);
            }
            Optional<Database> loaded = Database.load(this, root.resolve(name), name);
            loaded.ifPresent(d -> databases.put(name, d));
            return loaded;
        });
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
     * Names of the directories that may hold state of a source: the databases, and provisional
     * ones (created for a record, not yet committed) that a source fed.
     */
    private List<String> sourceHolderNames() throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path dir : dirs) {
                if (Database.isDatabaseDirectory(dir) || Files.isDirectory(dir.resolve(Database.SOURCES_DIR))) {
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
        return inLock(lock, () -> {
            ensureOpen();
            Path dir = root.resolve(name);
            if (!Database.isDatabaseDirectory(dir) && !databases.containsKey(name)) {
                return false; // neither committed nor created (provisional) by this store
            }
            closeOrThrow(removeUnused(h -> h.shard.path().getParent().equals(dir), "database " + name), false);
            List<ShardWriterLock> locks = new ArrayList<>();
            try {
                for (Path shard : Database.shardFiles(dir)) {
                    locks.add(ShardWriterLock.acquire(options.fileIO(), shard));
                }
                options.fileIO().deleteDirectory(dir);
            } finally {
                for (ShardWriterLock writerLock : locks) {
                    writerLock.close();
                }
            }
            ShardFiles.fsyncDirectory(options.fileIO(), root);
            databases.remove(name);
            log.info("database {}: deleted {}", name, dir);
            return true;
        });
    }

    /**
     * Deletes the local state of {@code source}: its shard in every database (log, index
     * snapshots, temporaries) and each database's record that the source fed it, so that a
     * following {@link #checkpoint} finds no local state. The Kafka sink does this when an
     * operator resets the partition's offsets. Safe to repeat after a crash part-way: what is
     * left is deleted the next time. Refuses while another writer holds one of the shards.
     */
    public void dropSource(SourcePartition source) throws IOException {
        inLock(lock, () -> {
            ensureOpen();
            closeOrThrow(removeUnused(h -> h.source.equals(source), "source " + source), false);
            openShards.takeEvicted(source);
            resumed.remove(source);
            committed.remove(source);
            openShards.clearFailed(source);
            String shardName = source.shardFileName();
            for (String name : sourceHolderNames()) {
                Path dir = root.resolve(name);
                Path shard = dir.resolve(shardName);
                Path lockFile = ShardFiles.lockFile(shard);
                List<Path> files = new ArrayList<>();
                try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, p -> ShardFiles.isFileOf(shard, p)
                        && !p.equals(lockFile))) {
                    stream.forEach(files::add);
                }
                boolean dropped = false;
                if (!files.isEmpty()) {
                    try (ShardWriterLock writerLock = ShardWriterLock.acquire(options.fileIO(), shard)) {
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
                    log.info("database {}: dropped the local state of source {} ({})", name, source, shard);
                }
            }
        });
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
        OpenShards.Handle handle = acquire(db, source);
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
        List<OpenShards.Handle> handles = openShards.pinSource(source);
        try {
            for (OpenShards.Handle handle : handles) {
                if (source.equals(SourcePartition.LOCAL)) {
                    handle.shard.commitApplied();
                } else {
                    handle.shard.commit(lastOffset);
                }
                compactor.offer(handle.shard);
            }
        } finally {
            handles.forEach(openShards::unpin);
        }
        committed.merge(source, lastOffset, Math::max);
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
        // Provisional databases too: records of the source that reached one were never committed,
        // even when another database's shard of the source committed past them.
        for (String name : sourceHolderNames()) {
            Path path = root.resolve(name).resolve(source.shardFileName());
            // Under the store's lock: the shard is not opened (perhaps recovered) while its file is read.
            Long offset = inLock(lock, () -> {
                Shard shard = openShards.get(key(name, source));
                if (shard != null) {
                    return shard.checkpoint().sourceOffset();
                } else if (Files.exists(path)) {
                    return Shard.checkpointOffset(name + "/" + source.shardFileName(), path);
                } else if (Database.hasFed(root.resolve(name), source)) {
                    log.warn("database {}: source {} fed it but its shard {} is gone; the source is replayed from its start",
                            name, source, path);
                    return -1L;
                }
                return null;
            });
            if (offset == null) {
                continue;
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
     *
     * <p>From here until {@link #release}, every shard of the source in every database is kept
     * current, idle ones included: any that an earlier release marked released is marked
     * current again (in its header, without opening it).
     */
    public OptionalLong resume(SourcePartition source) throws IOException {
        OptionalLong from = checkpoint(source);
        IOException failure = inLock(lock, () -> {
            ensureOpen();
            resumed.add(source);
            return markEvery(source, false);
        });
        if (failure != null) {
            throw failure;
        }
        return from;
    }

    /**
     * Closes the shards of {@code source} cleanly (a partition moving elsewhere, or the task
     * stopping), marking each as released: readers learn that no writer keeps it current. Every
     * shard of the source in every database is marked, also those not open (idle, or closed by
     * the open-shard limit), which are marked in their header without being opened. Each stays
     * at its last commit: commit the source first (records applied after its last commit are
     * discarded, and replaying the source restores them). Completes on an interrupted thread too
     * (the flag is restored).
     */
    public void release(SourcePartition source) throws IOException {
        Uninterruptibly.run(() -> releaseUninterrupted(source));
    }

    private void releaseUninterrupted(SourcePartition source) throws IOException {
        IOException failure = inLock(lock, () -> {
            IOException closing = openShards.closeEach(removeUnused(h -> h.source.equals(source), "source " + source), true);
            // A file whose force failed is not forced again (the kernel may have dropped its pages, a second fsync can lie).
            boolean failed = openShards.hasFailed(source);
            openShards.clearFailed(source);
            advanceIdle(source);
            resumed.remove(source);
            IOException marking = null;
            if (failed) {
                log.warn("source {}: a shard of it failed, so its shards that are not open are not marked released; "
                        + "its next owner replays it from the checkpoint", source);
            } else {
                marking = markEvery(source, true);
            }
            if (closing == null) {
                return marking;
            }
            if (marking != null) {
                closing.addSuppressed(marking);
            }
            return closing;
        });
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Marks every shard of {@code source} that is not open here released or current (see
     * {@link Shard#markReleased}), each even when marking another fails; returns the first
     * failure with the others suppressed. Under the store's lock, so none is opened meanwhile. A
     * shard another writer holds is left to it. A format 1 shard has no flag: to be marked
     * released it is opened (which upgrades it) and closed released.
     */
    private IOException markEvery(SourcePartition source, boolean released) throws IOException {
        IOException failure = null;
        for (String name : databaseNames()) {
            String key = key(name, source);
            Path path = root.resolve(name).resolve(source.shardFileName());
            if (openShards.get(key) != null || !Files.exists(path)) {
                continue; // an open shard is current; release closes it released
            }
            try {
                openShards.awaitClosed(key); // an eviction's close holds the writer lock until it ends
                Optional<Database> db = database(name);
                if (!Shard.markReleased(key, path, released, options) && released && db.isPresent()) {
                    Shard.openForWrite(key, path, db.get().dimension(), db.get().maxIdBytes(), options).close(true);
                }
            } catch (ShardLockedException e) {
                log.warn("shard {}: another writer holds it, so it is not marked {} for source {} ({})", key,
                        released ? "released" : "current", source, e.getMessage());
            } catch (IOException e) {
                IOException named = new IOException("shard " + key + ": cannot mark it " + (released ? "released" : "current")
                        + " for source " + source + " (" + e.getMessage() + ")", e);
                log.error("{}", named.getMessage(), e);
                if (failure == null) {
                    failure = named;
                } else {
                    failure.addSuppressed(named);
                }
            }
        }
        return failure;
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
        Set<String> keys = openShards.takeEvicted(source);
        Long offset = committed.get(source);
        if (offset == null || source.equals(SourcePartition.LOCAL)) {
            return;
        }
        Set<String> idle = new TreeSet<>(keys);
        if (resumed.contains(source)) {
            try {
                for (String name : databaseNames()) {
                    idle.add(key(name, source));
                }
            } catch (IOException e) {
                log.warn("source {}: cannot list the databases to move idle shards up to offset {} ({})", source, offset,
                        e.getMessage());
            }
        }
        idle.removeIf(key -> openShards.get(key) != null);
        advanceTo(source, idle, offset);
    }

    private void advanceTo(SourcePartition source, Set<String> keys, long offset) {
        for (String key : keys) {
            String database = key.substring(0, key.indexOf('/'));
            try {
                Optional<Database> db = database(database);
                // A provisional database holds nothing committed: no checkpoint to move.
                Path path = db.isEmpty() || !db.get().promoted() ? null : db.get().directory().resolve(source.shardFileName());
                openShards.awaitClosed(key); // an eviction's close ends (and lets go of the file lock) first
                if (path == null || !Files.exists(path) || Shard.checkpointOffset(key, path) >= offset) {
                    continue;
                }
                Shard shard = Shard.openForWrite(key, path, db.get().dimension(), db.get().maxIdBytes(), options);
                try {
                    shard.commit(offset);
                } finally {
                    shard.close(true); // the source is being given up: nobody keeps this shard current either
                }
            } catch (IOException | RuntimeException e) {
                log.warn("shard {}: could not move its checkpoint up to offset {} of source {} ({}); "
                        + "resuming the source will replay a little more", key, offset, source, e.getMessage());
            }
        }
    }

    /** Number of shard files open now. */
    public int openShardCount() {
        return openShards.size();
    }

    /** Opens (or finds) the writable shard of a database for a source and pins it. */
    OpenShards.Handle acquire(Database db, SourcePartition source) throws IOException {
        return acquire(db, source, key(db.name(), source));
    }

    /**
     * {@link #acquire(Database, SourcePartition)} with the shard's key ({@code database/shard file})
     * worked out already. An open shard is pinned without the store's lock; opening one takes it,
     * so a shard is never opened twice at once, nor while it is released, dropped or deleted.
     */
    OpenShards.Handle acquire(Database db, SourcePartition source, String key) throws IOException {
        OpenShards.Handle handle = openShards.pin(key);
        if (handle != null && handle.shard.dimension() != db.dimension()) {
            // Opened for a provisional database that another writer then committed with another dimension.
            openShards.unpin(handle);
            throw new ShardFailedException("shard " + key + ": opened for dimension " + handle.shard.dimension()
                    + ", but database '" + db.name() + "' was committed by another writer with dimension " + db.dimension()
                    + "; its records were never committed: release source " + source + " and replay it", null);
        }
        if (handle != null) {
            return handle;
        }
        OpenShards.Handle opened = inLock(lock, () -> {
            while (true) {
                ensureOpen();
                OpenShards.Handle pinned = openShards.pin(key); // another thread may have opened it meanwhile
                if (pinned != null) {
                    return pinned;
                }
                if (!openShards.isClosing(key)) {
                    break;
                }
                // An eviction is closing it: its file lock goes when the close ends. (No eviction of it can
                // begin once that is seen: only the holder of the store's lock puts it back in the table.)
                withStoreLockLetGo(() -> openShards.awaitClosed(key));
            }
            openShards.beforeReopen(key, source);
            db.recordSource(source);
            Shard shard = Shard.openForWrite(db.name() + "/" + source.shardFileName(),
                    db.directory().resolve(source.shardFileName()), db.dimension(), db.maxIdBytes(), options);
            if (!db.promoted()) {
                // Its first commit makes the database final, before the shard's checkpoint is written.
                shard.beforeCommit(() -> db.promote(source));
            }
            OpenShards.Handle added = openShards.addPinned(key, source, shard);
            db.shardsChanged();
            db.opened(key, shard);
            return added;
        });
        openShards.evictBeyondLimit(); // outside the store's lock: closing an evicted shard may take a while
        return opened;
    }

    void unpin(OpenShards.Handle handle) {
        openShards.unpin(handle);
    }

    /** Background flusher step: force dirty pages of every open shard. */
    void forceOpenShards() {
        List<OpenShards.Handle> handles = openShards.pinAll();
        try {
            for (OpenShards.Handle handle : handles) {
                try {
                    handle.shard.forceDirty();
                } catch (IOException e) {
                    log.error("shard {}: background force failed", handle.shard.name(), e);
                }
            }
        } finally {
            handles.forEach(openShards::unpin);
        }
    }

    /**
     * Tests: drops every open shard without forcing or checkpointing anything (a crash, as far as
     * the files can tell); closing the store afterwards closes nothing more.
     */
    void crashOpenShards() {
        inLock(lock, openShards::releaseAllQuietly);
    }

    /**
     * Takes the matching shards out of the table once none is in use, for the caller, who holds
     * the store's lock, to close. While one is in use it waits with the store's lock let go (as a
     * monitor's {@code wait} would): whoever uses the shard may need the store before letting go,
     * a scan whose visitor writes to a shard not open yet, say. What the caller checked before
     * may have changed after, as across any wait.
     */
    private List<OpenShards.Handle> removeUnused(Predicate<OpenShards.Handle> matches, String what) throws IOException {
        long since = System.nanoTime();
        while (true) {
            List<OpenShards.Handle> removed = openShards.removeIfUnused(matches);
            if (removed != null) {
                return removed;
            }
            withStoreLockLetGo(() -> openShards.awaitUnused(matches, what, since));
        }
    }

    /** Runs a wait with the store's lock let go (as a monitor's {@code wait} would), then takes it again. */
    private void withStoreLockLetGo(Locks.VoidAction<IOException> wait) throws IOException {
        int holds = lock.getHoldCount();
        for (int i = 0; i < holds; i++) {
            lock.unlock();
        }
        try {
            wait.run();
        } finally {
            for (int i = 0; i < holds; i++) {
                lock.lock();
            }
        }
    }

    private static String key(String database, SourcePartition source) {
        return database + "/" + source.shardFileName();
    }

    private void ensureOpen() {
        if (openShards.isClosed()) {
            throw new IllegalStateException("store " + root + " is closed");
        }
    }

    /** Closes shards taken out of the table ({@link OpenShards#closeEach}) and throws the first failure. */
    private void closeOrThrow(List<OpenShards.Handle> handles, boolean released) throws IOException {
        IOException failure = openShards.closeEach(handles, released);
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Closes every open shard cleanly at its last commit (see {@link #release}: commit first;
     * the direct API's writes are committed here). Completes its I/O on an interrupted thread
     * too, as Kafka Connect leaves a task it stops by force, and restores the flag after; it
     * returns only when no background thread writes the store's files any more.
     */
    @Override
    public void close() throws IOException {
        Uninterruptibly.run(this::closeUninterrupted);
    }

    private void closeUninterrupted() throws IOException {
        if (flusher != null) {
            flusher.close();
        }
        compactor.close();
        inLock(lock, () -> {
            if (openShards.isClosed()) {
                return;
            }
            Set<SourcePartition> sources = new HashSet<>(openShards.sourcesWithEvictions());
            sources.addAll(resumed);
            for (SourcePartition source : sources) {
                advanceIdle(source);
            }
            List<OpenShards.Handle> open = openShards.close();
            openShards.awaitEvictions(); // closes begun by other threads' unpins
            closeOrThrow(open, false);
        });
    }
}
