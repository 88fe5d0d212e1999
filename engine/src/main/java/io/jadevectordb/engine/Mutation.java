package io.jadevectordb.engine;

import java.util.Objects;

/**
 * One change to one vector id, tagged with the source offset it came from.
 *
 * <p>Offsets must increase within a source partition. A mutation whose offset is at or below
 * the offset that last wrote its id is skipped, which is what makes replay idempotent.
 *
 * @param op           what to do
 * @param id           the vector id (non-empty UTF-8, at most the database's id limit)
 * <p>Metadata is an opaque document kept with the vector (the connector puts a CBOR map there;
 * the engine never looks inside). STORE sets vector and metadata (none when null); UPDATE
 * replaces the vector when it carries one and the metadata when it carries any, keeping the
 * stored one otherwise (an UPDATE with metadata and no vector re-tags a vector); DELETE removes both.
 *
 * @param vector       the vector for {@link Op#STORE} and {@link Op#UPDATE}; null for {@link Op#DELETE},
 *                     and for an UPDATE that only replaces the metadata
 * @param sourceOffset position in the source partition, {@code >= 0}
 * @param metadata     the metadata document, null for none (DELETE never carries any)
 */
public record Mutation(Op op, String id, float[] vector, long sourceOffset, byte[] metadata) {

    /** The kind of change. */
    public enum Op {
        /** Insert or replace (upsert). */
        STORE,
        /** Replace an existing id; an absent id yields {@link Outcome#NOT_FOUND}. */
        UPDATE,
        /** Soft delete: the id disappears from reads; compaction reclaims the space later. */
        DELETE
    }

    public Mutation {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(id, "id");
        if (op == Op.DELETE && metadata != null) {
            throw new InvalidMutationException("metadata", metadata.length + " bytes",
                    "DELETE of id '" + id + "' carries metadata; a DELETE removes the vector and its metadata, send none");
        }
        if (op != Op.DELETE && vector == null && !(op == Op.UPDATE && metadata != null)) {
            throw new InvalidMutationException("vector", "null",
                    op + " of id '" + id + "' has no vector" + (op == Op.UPDATE ? " and no metadata; send either" : "; send a vector")
                            + " or use DELETE");
        }
        if (sourceOffset < 0) {
            throw new InvalidMutationException("sourceOffset", Long.toString(sourceOffset),
                    "source offsets must be >= 0");
        }
    }

    /** A mutation without metadata. */
    public Mutation(Op op, String id, float[] vector, long sourceOffset) {
        this(op, id, vector, sourceOffset, null);
    }

    public static Mutation store(String id, float[] vector, long sourceOffset) {
        return new Mutation(Op.STORE, id, vector, sourceOffset);
    }

    /** A STORE of a vector with its metadata (null: none). */
    public static Mutation store(String id, float[] vector, byte[] metadata, long sourceOffset) {
        return new Mutation(Op.STORE, id, vector, sourceOffset, metadata);
    }

    public static Mutation update(String id, float[] vector, long sourceOffset) {
        return new Mutation(Op.UPDATE, id, vector, sourceOffset);
    }

    /**
     * An UPDATE: a null {@code vector} keeps the stored vector, a null {@code metadata} keeps the
     * stored metadata (not both null).
     */
    public static Mutation update(String id, float[] vector, byte[] metadata, long sourceOffset) {
        return new Mutation(Op.UPDATE, id, vector, sourceOffset, metadata);
    }

    public static Mutation delete(String id, long sourceOffset) {
        return new Mutation(Op.DELETE, id, null, sourceOffset);
    }

    /** What applying a mutation did. */
    public enum Outcome {
        /** The mutation changed the shard. */
        APPLIED,
        /** Skipped: the id was already written by this or a later offset (replay). */
        SKIPPED_STALE,
        /** UPDATE or DELETE of an id the shard does not hold (or holds deleted, for UPDATE). */
        NOT_FOUND
    }
}
