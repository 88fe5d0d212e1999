package io.jadevectordb.connect.avro;

import static io.jadevectordb.connect.avro.AvroFixtures.littleEndian;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.jadevectordb.connect.fixtures.ApicurioRegistryExtension;
import io.jadevectordb.testkit.ConfluentAvroProducer;

/**
 * A topic's writer schema evolves while one converter runs, on a real Apicurio registry: it gains
 * fields, loses an optional one, reorders them, and changes a field's type, with producers of
 * older versions still writing. Each record's metadata is what its own writer sent, in its own
 * writer's field order, byte for byte.
 */
class FastPathSchemaEvolutionTest {

    @RegisterExtension
    static final ApicurioRegistryExtension REGISTRY = new ApicurioRegistryExtension();

    private static final String TOPIC = "evolving";
    private static final CBORFactory CBOR = new CBORFactory();

    /** Version 1: title, year (int), lang. */
    private static final Schema V1 = new Schema.Parser().parse("""
            {"type":"record","name":"VectorMutation","namespace":"io.jadevectordb","fields":[
              {"name":"id","type":"string"},
              {"name":"vector","type":["null",{"type":"array","items":"float"}],"default":null},
              {"name":"title","type":"string"},
              {"name":"year","type":"int"},
              {"name":"lang","type":["null","string"],"default":null}]}""");

    /** Version 2 gains tags (first) and a timestamp (last). */
    private static final Schema V2 = new Schema.Parser().parse("""
            {"type":"record","name":"VectorMutation","namespace":"io.jadevectordb","fields":[
              {"name":"tags","type":{"type":"array","items":"string"},"default":[]},
              {"name":"id","type":"string"},
              {"name":"vector","type":["null",{"type":"array","items":"float"}],"default":null},
              {"name":"title","type":"string"},
              {"name":"year","type":"int"},
              {"name":"lang","type":["null","string"],"default":null},
              {"name":"published","type":{"type":"long","logicalType":"timestamp-millis"},"default":0}]}""");

    /** Version 3 loses the optional lang and reorders: year before title, vector first. */
    private static final Schema V3 = new Schema.Parser().parse("""
            {"type":"record","name":"VectorMutation","namespace":"io.jadevectordb","fields":[
              {"name":"vector","type":["null",{"type":"array","items":"float"}],"default":null},
              {"name":"year","type":"int"},
              {"name":"id","type":"string"},
              {"name":"title","type":"string"},
              {"name":"tags","type":{"type":"array","items":"string"},"default":[]},
              {"name":"published","type":{"type":"long","logicalType":"timestamp-millis"},"default":0}]}""");

    /** Version 4 changes year from int to string. */
    private static final Schema V4 = new Schema.Parser().parse(V3.toString().replace(
            "{\"name\":\"year\",\"type\":\"int\"}", "{\"name\":\"year\",\"type\":\"string\"}"));

    private static GenericRecord record(Schema schema, String id, float[] vector, Map<String, Object> fields) {
        GenericRecord r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            if (f.hasDefaultValue()) {
                r.put(f.name(), GenericData.get().getDefaultValue(f));
            }
        }
        r.put("id", id);
        r.put("vector", AvroFixtures.boxed(vector));
        fields.forEach(r::put);
        return r;
    }

    /** The expected document: name/value pairs in the writer's order, written with Jackson as the contract says. */
    private static byte[] expected(Object... namesAndValues) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CBORGenerator gen = CBOR.createGenerator(out)) {
            gen.writeStartObject();
            for (int i = 0; i < namesAndValues.length; i += 2) {
                gen.writeFieldName((String) namesAndValues[i]);
                Object value = namesAndValues[i + 1];
                if (value instanceof String s) {
                    gen.writeString(s);
                } else if (value instanceof Integer n) {
                    gen.writeNumber((long) n);
                } else if (value instanceof Long millis) { // the timestamp-millis field
                    gen.writeTag(1);
                    gen.writeNumber(millis / 1000.0);
                } else if (value instanceof List<?> list) {
                    gen.writeStartArray();
                    for (Object item : list) {
                        gen.writeString((String) item);
                    }
                    gen.writeEndArray();
                }
            }
            gen.writeEndObject();
        }
        return out.toByteArray();
    }

    @Test
    void eachRecordCarriesTheMetadataItsOwnWriterSentWhileTheSchemaEvolves() throws IOException {
        String url = REGISTRY.registry().confluentApiUrl();
        ConfluentAvroProducer producer = new ConfluentAvroProducer(url);
        VectorMutationAvroConverter converter = new VectorMutationAvroConverter();
        converter.configure(Map.of("schema.registry.url", url), false);

        int v1 = producer.register(TOPIC + "-value", V1);
        byte[] first = ConfluentAvroProducer.serialize(v1, V1, record(V1, "a", new float[] {1f},
                Map.of("title", "First", "year", 2019, "lang", "en")));
        assertMetadata(converter.toConnectData(TOPIC, first), new float[] {1f},
                expected("title", "First", "year", 2019, "lang", "en"));

        int v2 = producer.register(TOPIC + "-value", V2);
        byte[] second = ConfluentAvroProducer.serialize(v2, V2, record(V2, "b", new float[] {2f},
                Map.of("tags", List.of("ai", "db"), "title", "Second", "year", 2020, "published", 1_700_000_000_500L)));
        byte[] oldProducer = ConfluentAvroProducer.serialize(v1, V1, record(V1, "c", new float[] {3f},
                Map.of("title", "Still v1", "year", 2021)));
        assertMetadata(converter.toConnectData(TOPIC, second), new float[] {2f},
                expected("tags", List.of("ai", "db"), "title", "Second", "year", 2020, "published", 1_700_000_000_500L));
        assertMetadata(converter.toConnectData(TOPIC, oldProducer), new float[] {3f},
                expected("title", "Still v1", "year", 2021));

        int v3 = producer.register(TOPIC + "-value", V3);
        byte[] third = ConfluentAvroProducer.serialize(v3, V3, record(V3, "d", new float[] {4f},
                Map.of("year", 2022, "title", "Third", "tags", List.of("x"), "published", 86_400_000L)));
        assertMetadata(converter.toConnectData(TOPIC, third), new float[] {4f},
                expected("year", 2022, "title", "Third", "tags", List.of("x"), "published", 86_400_000L));

        int v4 = producer.register(TOPIC + "-value", V4);
        assertThat(List.of(v1, v2, v3, v4)).as("four distinct schema ids").doesNotHaveDuplicates();
        byte[] fourth = ConfluentAvroProducer.serialize(v4, V4, record(V4, "e", new float[] {5f},
                Map.of("year", "MMXXIII", "title", "Fourth")));
        byte[] v2Again = ConfluentAvroProducer.serialize(v2, V2, record(V2, "f", new float[] {6f},
                Map.of("title", "Late v2", "year", 2018, "lang", "fr")));
        assertMetadata(converter.toConnectData(TOPIC, fourth), new float[] {5f},
                expected("year", "MMXXIII", "title", "Fourth", "tags", List.of(), "published", 0L));
        assertMetadata(converter.toConnectData(TOPIC, v2Again), new float[] {6f},
                expected("tags", List.of(), "title", "Late v2", "year", 2018, "lang", "fr", "published", 0L));
    }

    @Test
    void aRecordWhoseMetadataExceedsTheConvertersBoundIsUndecodableWithTheReasonNotTruncated() {
        String url = REGISTRY.registry().confluentApiUrl();
        ConfluentAvroProducer producer = new ConfluentAvroProducer(url);
        VectorMutationAvroConverter converter = new VectorMutationAvroConverter();
        converter.configure(Map.of("schema.registry.url", url, "metadata.max.bytes", "64"), false);
        int id = producer.register("bounded-value", V1);
        byte[] small = ConfluentAvroProducer.serialize(id, V1, record(V1, "s", new float[] {1f},
                Map.of("title", "short", "year", 1)));
        byte[] large = ConfluentAvroProducer.serialize(id, V1, record(V1, "l", new float[] {1f},
                Map.of("title", "t".repeat(100), "year", 1)));

        assertThat(FastPathValue.metadata((Struct) converter.toConnectData("bounded", small).value())).isNotNull();
        SchemaAndValue refused = converter.toConnectData("bounded", large);

        assertThat(refused.schema()).isEqualTo(UndecodableValue.SCHEMA);
        assertThat(UndecodableValue.reason(refused.value()))
                .contains("topic bounded, schema id " + id)
                .contains("over the limit of 64")
                .contains("metadata.fields")
                .contains("metadata.max.bytes");
    }

    private static void assertMetadata(SchemaAndValue converted, float[] vector, byte[] expected) {
        assertThat(converted.schema()).as("reason: %s", UndecodableValue.reason(converted.value()))
                .isSameAs(VectorMutationSchema.VALUE);
        Struct value = (Struct) converted.value();
        assertThat(value.getBytes("vector_bytes")).containsExactly(littleEndian(vector));
        byte[] actual = FastPathValue.metadata(value);
        assertThat(actual).as("metadata %s, expected %s", hex(actual), hex(expected)).containsExactly(expected);
    }

    private static String hex(byte[] b) {
        return b == null ? "null" : HexFormat.of().formatHex(b);
    }
}
