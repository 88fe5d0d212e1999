package io.jadevectordb.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * @param vectorBytes  the vector as little-endian float32 bytes instead of {@code vector} (at most one of
 *                     the two is set): a read-only view, sliced so that it starts at index 0 and its
 *                     capacity is the vector's byte length. The engine reads it with absolute reads only
 *                     and copies it into the log in one bulk copy; it keeps no reference once
 *                     {@code apply} returns, so the caller's bytes may be reused afterwards (not before)
 */
public record Mutation(Op op, String id, float[] vector, long sourceOffset, byte[] metadata, ByteBuffer vectorBytes) {

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
        if (vector != null && vectorBytes != null) {
            throw new InvalidMutationException("vector", "float[" + vector.length + "] and " + vectorBytes.remaining() + " bytes",
                    "mutation of id '" + id + "' carries the vector twice; send either the float[] or the bytes");
        }
        if (vectorBytes != null) {
            if (op == Op.DELETE) {
                throw new InvalidMutationException("vector", vectorBytes.remaining() + " bytes",
                        "DELETE of id '" + id + "' carries a vector; a DELETE removes the vector, send none");
            }
            if (vectorBytes.remaining() % Float.BYTES != 0) {
                throw new InvalidMutationException("vector", vectorBytes.remaining() + " bytes", op + " of id '" + id
                        + "' has a vector whose byte length is not a multiple of 4; send whole little-endian float32 values");
            }
            // A view of its own: the caller's position and limit may move later without changing this vector.
            vectorBytes = vectorBytes.asReadOnlyBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
        }
        if (op != Op.DELETE && vector == null && vectorBytes == null && !(op == Op.UPDATE && metadata != null)) {
            throw new InvalidMutationException("vector", "null",
                    op + " of id '" + id + "' has no vector" + (op == Op.UPDATE ? " and no metadata; send either" : "; send a vector")
                            + " or use DELETE");
        }
        if (sourceOffset < 0) {
            throw new InvalidMutationException("sourceOffset", Long.toString(sourceOffset),
                    "source offsets must be >= 0");
        }
    }

    /** A mutation with the vector as a float[] (or none). */
    public Mutation(Op op, String id, float[] vector, long sourceOffset, byte[] metadata) {
        this(op, id, vector, sourceOffset, metadata, null);
    }

    /** A mutation without metadata. */
    public Mutation(Op op, String id, float[] vector, long sourceOffset) {
        this(op, id, vector, sourceOffset, null, null);
    }

    /**
     * A STORE of a vector given as little-endian float32 bytes ({@code remaining()} bytes from the
     * buffer's position), with its metadata (null: none). The bytes are read, not copied, until
     * the engine writes them to the log: leave them unchanged until {@code apply} returns.
     */
    public static Mutation storeBytes(String id, ByteBuffer littleEndianFloats, byte[] metadata, long sourceOffset) {
        return new Mutation(Op.STORE, id, null, sourceOffset, metadata, Objects.requireNonNull(littleEndianFloats, "vector"));
    }

    /**
     * An UPDATE with the vector given as little-endian float32 bytes (see {@link #storeBytes});
     * a null {@code metadata} keeps the stored metadata.
     */
    public static Mutation updateBytes(String id, ByteBuffer littleEndianFloats, byte[] metadata, long sourceOffset) {
        return new Mutation(Op.UPDATE, id, null, sourceOffset, metadata, Objects.requireNonNull(littleEndianFloats, "vector"));
    }

    /** True when the mutation carries a vector, in either form. */
    public boolean hasVector() {
        return vector != null || vectorBytes != null;
    }

    /** The number of components of the vector this mutation carries, 0 for none. */
    public int vectorLength() {
        return vector != null ? vector.length : vectorBytes != null ? vectorBytes.capacity() / Float.BYTES : 0;
    }

    /** Component {@code i} of the vector, in either form (absolute read: moves no position). */
    public float component(int i) {
        return vector != null ? vector[i] : vectorBytes.getFloat(i * Float.BYTES);
    }

    /**
     * The vector as a new float[] whatever its form, or null for none: for models and tests,
     * never on the write path (which copies the bytes once, into the log).
     */
    public float[] vectorAsFloats() {
        if (vector != null || vectorBytes == null) {
            return vector;
        }
        float[] copy = new float[vectorLength()];
        vectorBytes.duplicate().clear().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(copy);
        return copy;
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
