package io.jadevectordb.connect.avro;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the fast path sets the fields of the structs it builds.
 *
 * <p>{@link Struct#put} validates each value against its field's schema and, in Kafka 4.1,
 * builds the text of a failure message ({@code "field: \"id\""}) before it knows whether there
 * is a failure: with its schema checks, about a microsecond per record on this path, more than
 * the rest of the decoding (docs/benchmarks.md, issue 18). The fast path's values are only ever
 * the types {@link VectorMutationSchema#VALUE} declares (strings for the optional string fields,
 * {@code byte[]} for the two bytes fields; {@code VectorMutationReaderTest} validates its structs
 * whole), so {@link #DIRECT} writes them into the struct's value array, reached once per struct.
 * Where that array is not there (a Kafka whose {@code Struct} changed), {@link #best()} is
 * {@link #PUT}, and says so once in the log.
 */
enum StructFiller {

    /** {@link Struct#put(Field, Object)}, validated per call. */
    PUT {
        @Override
        Object[] slots(Struct struct) {
            return null;
        }
    },

    /** Straight into the struct's value array. */
    DIRECT {
        @Override
        Object[] slots(Struct struct) {
            return (Object[]) VALUES.get(struct);
        }
    };

    private static final Logger log = LoggerFactory.getLogger(StructFiller.class);
    private static final VarHandle VALUES = findValues();

    /** {@link #DIRECT} where this Kafka's {@code Struct} allows it, else {@link #PUT}. */
    static StructFiller best() {
        return VALUES != null ? DIRECT : PUT;
    }

    /** The array {@link #set} writes {@code struct}'s values into, or null to use {@link Struct#put}. */
    abstract Object[] slots(Struct struct);

    /** Sets {@code field} of {@code struct} (whose {@link #slots} are {@code slots}) to {@code value}. */
    static void set(Struct struct, Object[] slots, Field field, Object value) {
        if (slots != null) {
            slots[field.index()] = value;
        } else {
            struct.put(field, value);
        }
    }

    private static VarHandle findValues() {
        try {
            VarHandle values = MethodHandles.privateLookupIn(Struct.class, MethodHandles.lookup())
                    .findVarHandle(Struct.class, "values", Object[].class);
            // The array must be one slot per field, in field order, as Struct.put(Field) writes it.
            Struct probe = new Struct(VectorMutationSchema.VALUE);
            Object[] slots = (Object[]) values.get(probe);
            if (slots == null || slots.length != VectorMutationSchema.VALUE.fields().size()) {
                throw new IllegalStateException("Struct.values has " + (slots == null ? "no" : slots.length)
                        + " slots for " + VectorMutationSchema.VALUE.fields().size() + " fields");
            }
            return values;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.info("the Avro fast path sets struct fields with Struct.put (validated per call): {}", e.toString());
            return null;
        }
    }
}
