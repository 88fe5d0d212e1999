package io.jadevectordb.connect.avro;

import static io.jadevectordb.connect.avro.AvroFixtures.avroBinary;
import static io.jadevectordb.connect.avro.AvroFixtures.contractSchema;
import static io.jadevectordb.connect.avro.AvroFixtures.littleEndian;
import static io.jadevectordb.connect.avro.AvroFixtures.mutation;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

/**
 * schemas/vector_mutation.avsc gained optional metadata fields (title, language): producers and
 * a registry with FULL compatibility may switch in either order, and the new fields reach the
 * vector as metadata through the fast path.
 */
class ShippedSchemaCompatibilityTest {

    private static final Schema CURRENT = contractSchema();

    /** The schema as shipped before metadata (a copy kept beside the tests). */
    private static Schema previous() throws IOException {
        try (InputStream in = ShippedSchemaCompatibilityTest.class.getResourceAsStream("/avro/vector_mutation.1.avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    @Test
    void theNewSchemaIsBackwardAndForwardCompatibleWithThePreviousOne() throws IOException {
        Schema previous = previous();

        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(CURRENT, previous).getType())
                .as("backward: the new schema reads what old producers wrote")
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(previous, CURRENT).getType())
                .as("forward: the old schema reads what new producers write")
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        assertThat(CURRENT.getFields().subList(0, previous.getFields().size())).extracting(Schema.Field::name)
                .as("the previous fields, unchanged in order").containsExactlyElementsOf(
                        previous.getFields().stream().map(Schema.Field::name).toList());
        for (String added : List.of("title", "language")) {
            Schema.Field field = CURRENT.getField(added);
            assertThat(field).as(added).isNotNull();
            assertThat(field.schema().getTypes()).extracting(Schema::getType)
                    .containsExactly(Schema.Type.NULL, Schema.Type.STRING);
            assertThat(field.defaultVal()).as("default of %s", added).isEqualTo(JsonProperties.NULL_VALUE);
        }
    }

    @Test
    void theNewFieldsComeThroughAsMetadataAndOldRecordsCarryNone() throws IOException {
        GenericRecord r = mutation(CURRENT, "articles", "doc-1", "STORE", new float[] {0.5f}, null);
        r.put("model", "minilm@2");
        r.put("title", "Vector databases, compared");
        r.put("language", "en");
        byte[] avro = avroBinary(CURRENT, r);
        Schema previous = previous();
        byte[] old = avroBinary(previous, mutation(previous, "articles", "doc-2", "STORE", new float[] {0.5f}, null));

        Struct value = VectorMutationReader.forWriter("vectors", 1, CURRENT, List.of("id")).read("vectors", avro, 0, avro.length);
        Struct oldValue = VectorMutationReader.forWriter("vectors", 2, previous, List.of("id")).read("vectors", old, 0, old.length);

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (CBORGenerator gen = new CBORFactory().createGenerator(expected)) {
            gen.writeStartObject();
            gen.writeFieldName("model");
            gen.writeString("minilm@2");
            gen.writeFieldName("title");
            gen.writeString("Vector databases, compared");
            gen.writeFieldName("language");
            gen.writeString("en");
            gen.writeEndObject();
        }
        assertThat(FastPathValue.metadata(value)).containsExactly(expected.toByteArray());
        assertThat(value.getBytes("vector_bytes")).containsExactly(littleEndian(new float[] {0.5f}));
        assertThat(FastPathValue.metadata(oldValue)).as("optional fields left null: no metadata").isNull();
    }
}
