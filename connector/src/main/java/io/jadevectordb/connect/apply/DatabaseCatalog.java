package io.jadevectordb.connect.apply;

import static io.jadevectordb.connect.VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG;
import static io.jadevectordb.connect.VectorSinkConfig.DIMENSION_POLICY_CONFIG;
import static io.jadevectordb.connect.VectorSinkConfig.NAN_POLICY_CONFIG;
import static io.jadevectordb.connect.VectorSinkConfig.UPDATE_MISSING_POLICY_CONFIG;
import static io.jadevectordb.connect.VectorSinkConfig.configValue;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

import io.jadevectordb.connect.VectorSinkConfig;
import io.jadevectordb.connect.VectorSinkConfig.DimensionPolicy;
import io.jadevectordb.connect.VectorSinkConfig.NanPolicy;
import io.jadevectordb.connect.VectorSinkConfig.UpdateMissingPolicy;
import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.InvalidMutationException;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.VectorStore;

/**
 * Finds or creates the database a mutation goes to, giving a new database its dimension by the
 * configured policy, and checks the mutation against it (dimension, NaN, id length) before it
 * is buffered, so data errors surface per record rather than in the middle of a batch.
 */
public final class DatabaseCatalog {

    /** The engine's field name for a refused database name. */
    private static final String DATABASE_FIELD = "database";

    private final VectorStore store;
    /** What a database not listed gets: a dimension, 0 for its first vector's length, -1 for none (rejected). */
    private final int unlistedDimension;
    private final Map<String, Integer> fixedDimensions;
    private final boolean allowNonFinite;
    private final UpdateMissingPolicy updateMissingPolicy;
    private final String idField;

    public DatabaseCatalog(VectorStore store, VectorSinkConfig config) {
        this.store = store;
        this.unlistedDimension = config.unlistedDimension();
        this.fixedDimensions = config.databaseDimensions();
        this.allowNonFinite = config.storeOptions().allowNonFinite();
        this.updateMissingPolicy = config.updateMissingPolicy();
        this.idField = config.idField();
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
    public boolean prepare(RoutedMutation routed) throws IOException {
        Mutation mutation = routed.mutation();
        String name = routed.database();
        try {
            Optional<Database> existing = store.database(name);
            Database database;
            if (existing.isPresent()) {
                database = existing.get();
            } else if (mutation.op() == Mutation.Op.STORE) {
                // Checked before the database exists: a refused record must not fix its dimension.
                database = store.createDatabase(name, dimensionOfNew(routed), mutation);
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
        if (unlistedDimension < 0) {
            throw new InvalidRecordException(routed.position(), DATABASE_FIELD, routed.database(),
                    "the database is not listed in " + DATABASE_DIMENSIONS_CONFIG + ", which rejects others ('"
                            + VectorSinkConfig.ANY_DATABASE + ":reject', or the deprecated "
                            + VectorSinkConfig.setting(DIMENSION_POLICY_CONFIG, DimensionPolicy.FIXED) + ")",
                    "add '" + routed.database() + ":<dimension>' to " + DATABASE_DIMENSIONS_CONFIG
                            + ", or route the record elsewhere");
        }
        return unlistedDimension > 0 ? unlistedDimension : routed.mutation().vectorLength();
    }

    /** The engine's data error, placed at the record's Kafka position with the connector-level fix. */
    InvalidRecordException asRecordError(RoutedMutation routed, InvalidMutationException e) {
        String fix;
        if (e.field().startsWith("vector[") && !allowNonFinite) {
            fix = "fix the producer, or set " + VectorSinkConfig.setting(NAN_POLICY_CONFIG, NanPolicy.ALLOW)
                    + " to store non-finite components";
        } else if (e.field().equals(DATABASE_FIELD)) {
            fix = "route the record to a valid database name (letters, digits, '.', '_', '-'; no path)";
        } else if (e.field().equals("vector") || e.field().equals("dimension")) {
            fix = "send vectors of the database's dimension, or fix " + DATABASE_DIMENSIONS_CONFIG;
        } else {
            fix = "";
        }
        return new InvalidRecordException(routed.position(), e.field(), new InvalidRecordException.Rendered(e.value()),
                e.reason(), fix, e);
    }

    /**
     * Whether an UPDATE of an id that is not there (in the database, or no database at all) is
     * a bad record: under {@code update.missing.policy=reject}. Otherwise it changes nothing.
     */
    public boolean rejectsUpdateOfMissing(RoutedMutation routed) {
        return routed.mutation().op() == Mutation.Op.UPDATE && updateMissingPolicy == UpdateMissingPolicy.REJECT;
    }

    /**
     * The bad-record error of an UPDATE whose id is not there, the one message for both cases.
     *
     * @param databaseExists false when the database itself does not exist
     */
    public InvalidRecordException updateOfMissingId(RoutedMutation routed, boolean databaseExists) {
        return new InvalidRecordException(routed.position(), idField, routed.mutation().id(),
                "UPDATE of an id that database '" + routed.database() + "' does not hold"
                        + (databaseExists ? "" : " (the database does not exist)"),
                "send STORE to create it, or set " + VectorSinkConfig.setting(UPDATE_MISSING_POLICY_CONFIG,
                        UpdateMissingPolicy.UPSERT) + " or " + configValue(UpdateMissingPolicy.IGNORE));
    }
}
