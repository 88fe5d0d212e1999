package io.jadevectordb.connect.avro;

import org.apache.kafka.connect.data.Struct;

/** The fast path's canonical value built directly, for tests outside this package (the schema is package-private). */
public final class FastPathStructs {

    private FastPathStructs() {
    }

    /** A canonical value as the fast-path converter delivers it, with pre-encoded {@code metadata} (null: none). */
    public static Struct value(String database, String id, String op, byte[] vectorBytes, byte[] metadata) {
        return new Struct(VectorMutationSchema.VALUE).put(VectorMutationSchema.DATABASE, database)
                .put(VectorMutationSchema.ID, id).put(VectorMutationSchema.OP, op)
                .put(VectorMutationSchema.VECTOR_BYTES, vectorBytes).put(VectorMutationSchema.METADATA, metadata);
    }
}
