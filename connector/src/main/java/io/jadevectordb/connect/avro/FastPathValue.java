package io.jadevectordb.connect.avro;

import org.apache.kafka.connect.data.Struct;

/**
 * Tells the fast path's canonical value ({@link VectorMutationAvroConverter}) from a struct any
 * other converter delivers, and reads the metadata the fast path encoded while it decoded.
 *
 * <p>The fast path transcodes the writer's other fields to CBOR in the one pass that decodes the
 * vector, so the sink takes those bytes as they are; a struct from any other converter carries
 * the fields themselves, which the sink encodes. The schema instance, not its name, says which:
 * a generic {@code AvroConverter} delivers a struct named like the canonical one.
 */
public final class FastPathValue {

    private FastPathValue() {
    }

    /** Whether {@code value} is the fast path's canonical struct. */
    public static boolean is(Object value) {
        return value instanceof Struct struct && struct.schema() == VectorMutationSchema.VALUE;
    }

    /**
     * The writer's other fields as one CBOR map, or null when the writer sent none.
     *
     * @param value a value for which {@link #is(Object)} holds
     */
    public static byte[] metadata(Struct value) {
        if (!is(value)) {
            throw new IllegalArgumentException("not the fast path's value: " + value.schema().name());
        }
        return (byte[]) value.get(VectorMutationSchema.METADATA);
    }
}
