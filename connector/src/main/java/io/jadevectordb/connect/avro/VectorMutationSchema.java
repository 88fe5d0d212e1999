package io.jadevectordb.connect.avro;

import java.util.List;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * The canonical Connect value contract of a vector mutation: the {@code Struct} shape that the
 * sink's record mapper accepts, whatever converter produced it.
 *
 * <p>Every field is optional, and a record may carry fields beyond these (they are ignored):
 * <ul>
 *   <li>{@value #DATABASE} (string): target database; null means the connector's routing decides.
 *   <li>{@value #ID} (string): vector id; null means the connector takes it from the record key.
 *   <li>{@value #OP} (string): {@code STORE}, {@code UPDATE} or {@code DELETE}; null means STORE.
 *   <li>{@value #VECTOR} (array of float32): the vector as values.
 *   <li>{@value #VECTOR_BYTES} (bytes): the vector as packed little-endian float32; the fast
 *       path ({@link VectorMutationAvroConverter}) always delivers vectors here, never boxed.
 *   <li>{@value #METADATA} (bytes): the writer's other fields, already encoded as one CBOR map
 *       (RFC 8949; docs/schemas.md gives the mapping). Only the fast path sets it, and only in
 *       {@link #VALUE} itself ({@link FastPathValue} tells the two apart): in a struct from any
 *       other converter, a field of this name is just another field of the producer's.
 * </ul>
 * At most one of {@value #VECTOR} and {@value #VECTOR_BYTES} is set. The Avro wire contract that
 * maps onto this is {@code schemas/vector_mutation.avsc}; see {@code docs/schemas.md}.
 */
final class VectorMutationSchema {

    /** Field name of the target database. */
    public static final String DATABASE = "database";
    /** Field name of the vector id. */
    public static final String ID = "id";
    /** Field name of the operation. */
    public static final String OP = "op";
    /** Field name of the vector as an array of float32. */
    public static final String VECTOR = "vector";
    /** Field name of the vector as packed little-endian float32 bytes. */
    public static final String VECTOR_BYTES = "vector_bytes";

    /** Field name of the fast path's pre-encoded metadata (a CBOR map of the writer's other fields). */
    public static final String METADATA = "metadata";

    /** The canonical field names a writer schema maps onto, in schema order (not {@link #METADATA}). */
    public static final List<String> FIELDS = List.of(DATABASE, ID, OP, VECTOR, VECTOR_BYTES);

    /** Fully qualified name of the canonical value schema. */
    public static final String NAME = "io.jadevectordb.VectorMutation";

    /** The canonical value schema (an optional struct: a null value is a tombstone). */
    public static final Schema VALUE = SchemaBuilder.struct()
            .name(NAME)
            .doc("A vector mutation: store, update or delete one id in one database.")
            .optional()
            .field(DATABASE, Schema.OPTIONAL_STRING_SCHEMA)
            .field(ID, Schema.OPTIONAL_STRING_SCHEMA)
            .field(OP, Schema.OPTIONAL_STRING_SCHEMA)
            .field(VECTOR, SchemaBuilder.array(Schema.FLOAT32_SCHEMA).optional().build())
            .field(VECTOR_BYTES, Schema.OPTIONAL_BYTES_SCHEMA)
            .field(METADATA, Schema.OPTIONAL_BYTES_SCHEMA)
            .build();

    private VectorMutationSchema() {
    }
}
