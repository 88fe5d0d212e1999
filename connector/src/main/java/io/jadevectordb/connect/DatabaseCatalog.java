package io.jadevectordb.connect;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

import io.jadevectordb.connect.VectorSinkConfig.DimensionPolicy;
import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.InvalidMutationException;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.VectorStore;

/**
 * Finds or creates the database a mutation goes to, giving a new database its dimension by the
 * configured policy, and checks the mutation against it (dimension, NaN, id length) before it
 * is buffered, so data errors surface per record rather than in the middle of a batch.
 */
final class DatabaseCatalog {

    private final VectorStore store;
    private final DimensionPolicy policy;
    private final Map<String, Integer> fixedDimensions;
    private final boolean allowNonFinite;

    DatabaseCatalog(VectorStore store, VectorSinkConfig config) {
        this.store = store;
        this.policy = config.dimensionPolicy();
        this.fixedDimensions = config.databaseDimensions();
        this.allowNonFinite = config.storeOptions().allowNonFinite();
    }

    /**
     * Checks {@code routed} against its database, creating the database first when the
     * mutation stores a vector into a new one.
     *
     * @return false when the mutation is a DELETE or UPDATE for a database that does not exist
     *         (nothing to change)
     * @throws InvalidRecordException for a bad database name, a dimension mismatch, a
     *                                non-finite component, a bad id
     * @throws IOException            when the store cannot read or create the database
     */
    boolean prepare(RoutedMutation routed) throws IOException {
        Mutation mutation = routed.mutation();
        String name = routed.database();
        try {
            Optional<Database> existing = store.database(name);
            Database database;
            if (existing.isPresent()) {
                database = existing.get();
            } else if (mutation.op() == Mutation.Op.STORE) {
                database = store.createDatabase(name, dimensionOfNew(routed));
            } else {
                return false;
            }
            database.validate(mutation);
            return true;
        } catch (InvalidMutationException e) {
            throw asRecordError(routed, e);
        }
    }

    private int dimensionOfNew(RoutedMutation routed) {
        Integer fixed = fixedDimensions.get(routed.database());
        if (fixed != null) {
            return fixed;
        }
        if (policy == DimensionPolicy.FIXED) {
            throw new InvalidRecordException(routed.position(), "database", routed.database(),
                    "dimension.policy=fixed and the database is not listed in database.dimensions",
                    "add '" + routed.database() + ":<dimension>' to database.dimensions, or route the record elsewhere");
        }
        return routed.mutation().vector().length;
    }

    /** The engine's data error, placed at the record's Kafka position with the connector-level fix. */
    InvalidRecordException asRecordError(RoutedMutation routed, InvalidMutationException e) {
        String fix;
        if (e.field().startsWith("vector[") && !allowNonFinite) {
            fix = "fix the producer, or set nan.policy=allow to store non-finite components";
        } else if (e.field().equals("database")) {
            fix = "route the record to a valid database name (letters, digits, '.', '_', '-'; no path)";
        } else if (e.field().equals("vector") || e.field().equals("dimension")) {
            fix = "send vectors of the database's dimension, or fix database.dimensions";
        } else {
            fix = "";
        }
        // The engine's message starts with "field = value: "; the record error says that itself.
        String prefix = e.field() + " = " + e.value() + ": ";
        String reason = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
        return new InvalidRecordException(routed.position(), e.field(), new InvalidRecordException.Rendered(e.value()),
                reason, fix, e);
    }
}
