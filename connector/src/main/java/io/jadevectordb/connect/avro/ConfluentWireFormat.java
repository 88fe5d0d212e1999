package io.jadevectordb.connect.avro;

import org.apache.kafka.connect.errors.DataException;

/**
 * The Confluent schema-registry wire format: magic byte {@code 0}, a 4-byte big-endian schema
 * id, then the Avro binary encoding of the value. Shared by Confluent Schema Registry, Apicurio
 * (in its Confluent-compatible mode), Karapace and Redpanda.
 */
public final class ConfluentWireFormat {

    /** The only magic byte this format has ever had. */
    public static final byte MAGIC_BYTE = 0;
    /** Bytes before the Avro payload: magic byte plus schema id. */
    public static final int HEADER_LENGTH = 5;

    private ConfluentWireFormat() {
    }

    /**
     * Reads the schema id from the header of a serialized value, after checking the magic byte.
     *
     * @param topic the record's topic, named in errors
     * @param value the serialized value, never null
     * @return the registry's schema id
     * @throws DataException if the value is too short or does not start with the magic byte
     */
    public static int schemaId(String topic, byte[] value) {
        if (value.length < HEADER_LENGTH) {
            throw new DataException(String.format(
                    "topic %s: value of %d bytes is too short for the Confluent wire format "
                            + "(magic byte 0 + 4-byte schema id + Avro payload); was it produced "
                            + "by a schema-registry Avro serializer?", topic, value.length));
        }
        if (value[0] != MAGIC_BYTE) {
            throw new DataException(String.format(
                    "topic %s: unknown magic byte 0x%02x (expected 0x00, the Confluent wire format); "
                            + "the value was not written by a schema-registry Avro serializer in "
                            + "Confluent mode (Apicurio producers: set apicurio.registry.as-confluent=true "
                            + "and apicurio.registry.use-id=contentId)", topic, value[0] & 0xff));
        }
        return ((value[1] & 0xff) << 24) | ((value[2] & 0xff) << 16)
                | ((value[3] & 0xff) << 8) | (value[4] & 0xff);
    }
}
