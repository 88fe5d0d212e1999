package io.jadevectordb.connect.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

/** The 5-byte header: magic byte and big-endian schema id. */
class ConfluentWireFormatTest {

    @Test
    void readsTheSchemaIdBigEndian() {
        byte[] value = {0, 1, 2, 3, 4, 9, 9, 9};

        assertThat(ConfluentWireFormat.schemaId("t", value)).isEqualTo(0x01020304);
    }

    @Test
    void wrongMagicByteIsDataExceptionNamingTopicAndFix() {
        byte[] value = {1, 0, 0, 0, 7, 2};

        assertThatThrownBy(() -> ConfluentWireFormat.schemaId("vectors", value))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("topic vectors")
                .hasMessageContaining("magic byte 0x01")
                .hasMessageContaining("as-confluent=true");
    }

    @Test
    void valueShorterThanHeaderIsDataException() {
        assertThatThrownBy(() -> ConfluentWireFormat.schemaId("vectors", new byte[] {0, 0, 1}))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("3 bytes is too short");
    }
}
