package io.jadevectordb.connect.avro;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * What {@link VectorMutationAvroConverter} delivers in place of a value it cannot decode (a
 * corrupt or hostile payload, a schema id the registry does not have, a writer schema that is not
 * a vector mutation): a struct carrying the reason, which the sink rejects like any bad record.
 *
 * <p>Why not throw: Connect dead-letters a value whose conversion failed without waiting for the
 * write (Kafka 4.1's {@code RetryWithToleranceOperator} drops the future), so a later checkpoint
 * could pass a record whose dead letter was lost. Delivered as a value, the record reaches the
 * task, which reports it through its {@code ErrantRecordReporter} and commits nothing past it
 * until that dead letter is written, as for its own rejections. The dead letter itself holds the
 * record's original bytes (Connect writes the consumed record, not this struct).
 */
public final class UndecodableValue {

    /** Name of the marker schema. */
    public static final String NAME = "io.jadevectordb.UndecodableValue";
    /** Field holding why the value could not be decoded (names topic, schema id, field and fix). */
    public static final String REASON = "reason";

    /** The marker schema. */
    public static final Schema SCHEMA = SchemaBuilder.struct()
            .name(NAME)
            .doc("A value the vector mutation converter could not decode, with the reason; the sink dead-letters it.")
            .field(REASON, Schema.STRING_SCHEMA)
            .build();

    private UndecodableValue() {
    }

    /** The marker for a value that failed to decode with {@code reason}. */
    static SchemaAndValue of(String reason) {
        return new SchemaAndValue(SCHEMA, new Struct(SCHEMA).put(REASON, reason));
    }

    /**
     * Whether {@code value} is such a marker.
     *
     * @param value a record value as the sink received it
     * @return the reason it could not be decoded, or null when it is not a marker
     */
    public static String reason(Object value) {
        if (value instanceof Struct struct && NAME.equals(struct.schema().name())) {
            return struct.getString(REASON);
        }
        return null;
    }
}
