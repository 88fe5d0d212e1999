package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import io.apicurio.registry.utils.converter.AvroConverter;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.fixtures.ApicurioRegistryExtension;
import io.jadevectordb.connect.fixtures.ExpectedMetadata;
import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.testkit.ConfluentAvroProducer;

/**
 * A topic whose writer schema evolves while the sink runs, on a real Apicurio registry, through
 * Apicurio's generic {@code AvroConverter} (the Connect Struct path): fields are gained, an
 * optional one is lost, fields are reordered, a field changes type, and an old writer keeps
 * producing. Each record's stored metadata is exactly what its own writer sent, in its order.
 */
class MetadataSchemaEvolutionTest {

    @RegisterExtension
    static final ApicurioRegistryExtension REGISTRY = new ApicurioRegistryExtension();

    private static final String TOPIC = "evolving";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final String PREFIX = "{\"type\":\"record\",\"name\":\"Article\",\"namespace\":\"news\",\"fields\":[";
    private static final String ID = "{\"name\":\"id\",\"type\":\"string\"}";
    private static final String VECTOR = "{\"name\":\"vector\",\"type\":{\"type\":\"array\",\"items\":\"float\"}}";
    private static final String TITLE = "{\"name\":\"title\",\"type\":\"string\"}";
    private static final String LANG = "{\"name\":\"lang\",\"type\":[\"null\",\"string\"],\"default\":null}";
    private static final String YEAR_INT = "{\"name\":\"year\",\"type\":\"int\"}";
    private static final String YEAR_STRING = "{\"name\":\"year\",\"type\":\"string\"}";
    private static final String TAGS = "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[]}";
    private static final String PUBLISHED = "{\"name\":\"published\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}";
    private static final String ATTRS = "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":\"long\"},\"default\":{}}";

    /** v1: the first writer. */
    private static final Schema V1 = schema(ID, VECTOR, TITLE, LANG, YEAR_INT);
    /** v2: gains tags, a timestamp and a map. */
    private static final Schema V2 = schema(ID, VECTOR, TITLE, LANG, YEAR_INT, TAGS, PUBLISHED, ATTRS);
    /** v3: loses the optional lang and reorders (year first, vector last). */
    private static final Schema V3 = schema(YEAR_INT, ID, TAGS, TITLE, VECTOR);
    /** v4: year becomes a string. */
    private static final Schema V4 = schema(ID, VECTOR, YEAR_STRING, TITLE);

    @TempDir
    Path tmp;

    private static Schema schema(String... fields) {
        return new Schema.Parser().parse(PREFIX + String.join(",", fields) + "]}");
    }

    private interface Writes {
        void to(CBORGenerator g) throws IOException;
    }

    private static byte[] cbor(Writes body) {
        return ExpectedMetadata.map(body::to);
    }

    private static GenericRecord article(Schema schema, String id, Map<String, Object> fields) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", id);
        r.put("vector", List.of(1f, 2f));
        fields.forEach(r::put);
        return r;
    }

    @Test
    void eachRecordKeepsWhatItsOwnWriterSentThroughTheGenericAvroConverter() throws Exception {
        ConfluentAvroProducer producer = new ConfluentAvroProducer(REGISTRY.registry().confluentApiUrl());
        AvroConverter<?> converter = new AvroConverter<>();
        converter.configure(Map.of(
                "apicurio.registry.url", REGISTRY.registry().registryV2Url(),
                "apicurio.registry.as-confluent", "true",
                "apicurio.registry.use-id", "contentId",
                "apicurio.registry.headers.enabled", "false"), false);
        List<Schema> versions = List.of(V1, V2, V3, V4);
        Map<Schema, Integer> ids = new HashMap<>();
        for (int v = 0; v < versions.size(); v++) {
            // One subject per version: the wire format carries the schema id, so the reader needs no subject,
            // and a type change must not depend on the registry's compatibility rule.
            ids.put(versions.get(v), producer.register("evolving-v" + (v + 1) + "-value", versions.get(v)));
        }
        Map<String, Object> attrs = new HashMap<>();
        attrs.put("views", 12L); // one entry: the generic converter delivers Avro maps in hash order
        List<GenericRecord> written = List.of(
                article(V1, "a", Map.of("title", "First", "lang", "en", "year", 2001)),
                article(V2, "b", Map.of("title", "Second", "year", 2002, "tags", List.of("x", "y"),
                        "published", 1_700_000_000_123L, "attrs", attrs)), // lang left null
                article(V3, "c", Map.of("year", 2003, "title", "Third", "tags", List.of())),
                article(V4, "d", Map.of("year", "MMIV", "title", "Fourth")),
                article(V1, "e", Map.of("title", "Old writer", "year", 2005))); // an old producer still runs
        List<byte[]> expected = List.of(
                cbor(g -> {
                    g.writeFieldName("title");
                    g.writeString("First");
                    g.writeFieldName("lang");
                    g.writeString("en");
                    g.writeFieldName("year");
                    g.writeNumber(2001L);
                }),
                cbor(g -> {
                    g.writeFieldName("title");
                    g.writeString("Second");
                    g.writeFieldName("year");
                    g.writeNumber(2002L);
                    g.writeFieldName("tags");
                    g.writeStartArray();
                    g.writeString("x");
                    g.writeString("y");
                    g.writeEndArray();
                    g.writeFieldName("published");
                    g.writeTag(1);
                    g.writeNumber(1_700_000_000.123d);
                    g.writeFieldName("attrs");
                    g.writeStartObject();
                    g.writeFieldName("views");
                    g.writeNumber(12L);
                    g.writeEndObject();
                }),
                cbor(g -> {
                    g.writeFieldName("year");
                    g.writeNumber(2003L);
                    g.writeFieldName("tags");
                    g.writeStartArray();
                    g.writeEndArray();
                    g.writeFieldName("title");
                    g.writeString("Third");
                }),
                cbor(g -> {
                    g.writeFieldName("year");
                    g.writeString("MMIV");
                    g.writeFieldName("title");
                    g.writeString("Fourth");
                }),
                cbor(g -> {
                    g.writeFieldName("title");
                    g.writeString("Old writer");
                    g.writeFieldName("year");
                    g.writeNumber(2005L);
                }));
        List<SinkRecord> records = new ArrayList<>();
        for (int i = 0; i < written.size(); i++) {
            GenericRecord r = written.get(i);
            byte[] wire = ConfluentAvroProducer.serialize(ids.get(r.getSchema()), r.getSchema(), r);
            SchemaAndValue converted = converter.toConnectData(TOPIC, wire);
            records.add(new SinkRecord(TOPIC, 0, null, r.get("id").toString(), converted.schema(), converted.value(), i));
        }

        Map<String, String> props = new HashMap<>();
        props.put("name", "evolution-test");
        props.put("topics", TOPIC);
        props.put(VectorSinkConfig.DATA_DIR_CONFIG, tmp.toString());
        props.put(VectorSinkConfig.FLUSH_INTERVAL_MS_CONFIG, "0");
        VectorSinkTask task = new VectorSinkTask();
        task.initialize(new RecordingContext(props, List.of(P0)));
        task.start(props);
        try {
            task.open(List.of(P0));
            task.put(records);
            assertThat(task.preCommit(Map.of(P0, new OffsetAndMetadata(records.size()))).get(P0).offset())
                    .isEqualTo(records.size());
        } finally {
            task.stop();
        }

        StoreReader reader = StoreReader.open(tmp);
        for (int i = 0; i < written.size(); i++) {
            String id = written.get(i).get("id").toString();
            assertThat(reader.getEntry(TOPIC, id).orElseThrow().metadata())
                    .as("record %s, written with %s", id, written.get(i).getSchema())
                    .isEqualTo(expected.get(i));
        }
    }
}
