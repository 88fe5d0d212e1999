package io.jadevectordb.oracle;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a whole store must hold: per database, an {@link ExpectedDatabase}. A STORE creates its
 * database, as the sink creates one on its first STORE; an UPDATE or DELETE in a database that
 * does not exist creates nothing, since the sink could not know its dimension.
 */
public final class ExpectedState {

    private final Map<String, ExpectedDatabase> databases = new TreeMap<>();

    /** STORE of {@code id} in {@code database}, creating the database if new. */
    public void store(String database, String id, float[] vector) {
        database(database).store(id, vector);
    }

    /** UPDATE; false when the id is not live (see {@link ExpectedDatabase#update}). */
    public boolean update(String database, String id, float[] vector) {
        ExpectedDatabase db = databases.get(database);
        return db != null && db.update(id, vector);
    }

    /** DELETE or tombstone; false when the id was not live. */
    public boolean delete(String database, String id) {
        ExpectedDatabase db = databases.get(database);
        return db != null && db.delete(id);
    }

    /** Whether {@code id} is live in {@code database}. */
    public boolean contains(String database, String id) {
        ExpectedDatabase db = databases.get(database);
        return db != null && db.contains(id);
    }

    /**
     * The named database, created empty if new: for a database that exists before any STORE
     * (a topic that routes to it, or one created explicitly).
     */
    public ExpectedDatabase database(String name) {
        return databases.computeIfAbsent(name, n -> new ExpectedDatabase());
    }

    /** name -> database, sorted by name, read-only. */
    public Map<String, ExpectedDatabase> databases() {
        return Collections.unmodifiableMap(databases);
    }

    /** Live ids over every database. */
    public int liveCount() {
        return databases.values().stream().mapToInt(db -> db.live().size()).sum();
    }
}
