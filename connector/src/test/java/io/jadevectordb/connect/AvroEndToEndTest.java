package io.jadevectordb.connect;

import static io.jadevectordb.connect.fixtures.StoreAssertions.assertStoreMatches;
import static io.jadevectordb.connect.fixtures.VectorRecords.vector;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apicurio.registry.utils.converter.AvroConverter;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.fixtures.ApicurioRegistryExtension;
import io.jadevectordb.connect.fixtures.ExpectedMetadata;
import io.jadevectordb.connect.fixtures.Meta;
import io.jadevectordb.connect.fixtures.SinkCluster;
import io.jadevectordb.oracle.ExpectedDatabase;
import io.jadevectordb.oracle.ExpectedState;
import io.jadevectordb.testkit.ConfluentAvroProducer;

/**
 * Avro mutations written with the shipped wire contract ({@code schemas/vector_mutation.avsc})
 * plus metadata fields a producer adds around it, registered in a real Apicurio Registry, through
 * a real Connect worker into the shards: once with Apicurio's own {@code AvroConverter}, once with
 * the plugin's fast-path converter. Both must store the same metadata bytes, the ones computed
 * here from the fields sent.
 */
class AvroEndToEndTest {

    @RegisterExtension
    static final ApicurioRegistryExtension REGISTRY = new ApicurioRegistryExtension();

    private static SinkCluster cluster;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startCluster() {
        cluster = SinkCluster.start("sink-avro", 1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void avroThroughApicuriosConverterLandsExactly() throws Exception {
        Map<String, String> converter = Map.of(
                "value.converter", "io.apicurio.registry.utils.converter.AvroConverter",
                "value.converter.apicurio.registry.url", REGISTRY.registry().registryV2Url(),
                "value.converter.apicurio.registry.as-confluent", "true",
                "value.converter.apicurio.registry.use-id", "contentId",
                "value.converter.apicurio.registry.headers.enabled", "false");

        streamAndVerify("articles", converter);
    }

    @Test
    void avroThroughTheShippedDistributedConfigWithTheFastPathConverterLandsExactly() throws Exception {
        Map<String, String> shipped = new HashMap<>();
        new ObjectMapper().readTree(Paths.get("..", "config", "jadevectordb-sink.json").toFile()).get("config")
                .fields().forEachRemaining(e -> shipped.put(e.getKey(), e.getValue().asText()));
        // As written, but for this machine's registry address, the topic and the data directory.
        shipped.put("value.converter.schema.registry.url", REGISTRY.registry().confluentApiUrl());

        streamAndVerify("images", shipped);
    }

    @Test
    void apicuriosConverterDeliversTheMetadataFieldsTheExpectedDocumentsAreComputedFrom() throws Exception {
        // What the end-to-end tests expect is only as good as this: the generic converter's Struct
        // carries the writer's metadata fields, in its order, with the values sent (NaN, -0f included).
        Schema schema = writerSchema();
        int schemaId = new ConfluentAvroProducer(REGISTRY.registry().confluentApiUrl()).register("metadata-check-value", schema);
        AvroConverter<?> apicurio = new AvroConverter<>();
        apicurio.configure(Map.of(
                "apicurio.registry.url", REGISTRY.registry().registryV2Url(),
                "apicurio.registry.as-confluent", "true",
                "apicurio.registry.use-id", "contentId",
                "apicurio.registry.headers.enabled", "false"), false);
        Random random = new Random(7);
        for (int i = 0; i < 100; i++) {
            AvroMeta meta = i % 10 == 0 ? AvroMeta.retag(random, "doc", i) : AvroMeta.random(random, "doc", i);
            byte[] value = avro(schemaId, schema, null, "doc", "STORE", new float[] {1f}, false, meta);
            SchemaAndValue delivered = apicurio.toConnectData("metadata-check", value);
            Map<String, Object> fields = new LinkedHashMap<>();
            for (Field field : delivered.schema().fields()) {
                if (!List.of("database", "id", "op", "vector", "vector_bytes").contains(field.name())) {
                    fields.put(field.name(), ((Struct) delivered.value()).get(field));
                }
            }
            assertThat(ExpectedMetadata.document(fields)).as("%s", meta).isEqualTo(meta.document());
        }
    }

    /** Streams stores, updates (re-tags too), deletes and tombstones keyed by id into database {@code topic}. */
    private static void streamAndVerify(String topic, Map<String, String> converter) throws Exception {
        String connector = "sink-" + topic;
        Path dataDir = tmp.resolve(topic);
        int partitions = 2;
        int dimension = 24;
        Schema schema = writerSchema();
        ConfluentAvroProducer registry = new ConfluentAvroProducer(REGISTRY.registry().confluentApiUrl());
        int schemaId = registry.register(topic + "-value", schema);
        cluster.createTopic(topic, partitions);
        Map<String, String> props = SinkCluster.sinkProps(topic, dataDir.toString(), false);
        props.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        props.putAll(converter);
        props.put("topics", topic);
        props.put("data.dir", dataDir.toString());
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 1);
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        System.out.println(connector + " seed " + seed);
        ExpectedState expected = new ExpectedState();
        ExpectedDatabase model = expected.database(topic);

        for (int i = 0; i < 120; i++) {
            String id = "doc-" + random.nextInt(40);
            int partition = Math.floorMod(id.hashCode(), partitions);
            byte[] key = id.getBytes(StandardCharsets.UTF_8);
            // The database field is optional: null routes by topic, which is the database here.
            String database = random.nextBoolean() ? topic : null;
            float[] v = vector(id, i, dimension);
            AvroMeta meta = AvroMeta.random(random, id, i);
            int roll = random.nextInt(10);
            byte[] value;
            if (roll < 5 || !expected.contains(topic, id)) {
                value = avro(schemaId, schema, database, id, "STORE", v, random.nextBoolean(), meta);
                model.store(id, v, meta.document());
            } else if (roll < 7) {
                int kind = random.nextInt(3);
                if (kind == 0) {
                    // A re-tag: metadata and no vector; the stored vector stays.
                    meta = AvroMeta.retag(random, id, i);
                    value = avro(schemaId, schema, database, id, "UPDATE", null, false, meta);
                    model.update(id, null, meta.document());
                } else {
                    // kind 1: a new vector without metadata; the stored metadata stays.
                    meta = kind == 1 ? AvroMeta.NONE : meta;
                    value = avro(schemaId, schema, database, id, "UPDATE", v, random.nextBoolean(), meta);
                    model.update(id, v, meta.document());
                }
            } else if (roll < 9) {
                // The metadata fields of a DELETE are not kept: the id goes, metadata and all.
                value = avro(schemaId, schema, database, id, "DELETE", null, false, meta);
                expected.delete(topic, id);
            } else {
                value = null;
                expected.delete(topic, id);
            }
            cluster.produce(topic, partition, key, value);
        }
        cluster.awaitCommitted(connector, topic, partitions);
        cluster.stopConnector(connector);

        assertStoreMatches(expected, dataDir);
        cluster.deleteConnector(connector);
    }

    /**
     * The shipped contract with metadata fields around it: one before the sink's own fields (kept
     * by name, not position) and, after them, a string, an int, a double, an array of nullable
     * strings and a float (CBOR's single-precision encoding), all optional.
     */
    static Schema writerSchema() throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(Files.readString(contract()));
        ArrayNode fields = (ArrayNode) root.get("fields");
        // The shipped schema ends with an optional title; this writer moves it to the front.
        for (int i = fields.size() - 1; i >= 0; i--) {
            if ("title".equals(fields.get(i).get("name").asText())) {
                fields.remove(i);
            }
        }
        fields.insert(0, json.readTree("{\"name\":\"title\",\"type\":[\"null\",\"string\"],\"default\":null}"));
        fields.add(json.readTree("{\"name\":\"lang\",\"type\":[\"null\",\"string\"],\"default\":null}"));
        fields.add(json.readTree("{\"name\":\"year\",\"type\":[\"null\",\"int\"],\"default\":null}"));
        fields.add(json.readTree("{\"name\":\"score\",\"type\":[\"null\",\"double\"],\"default\":null}"));
        fields.add(json.readTree("{\"name\":\"tags\",\"type\":[\"null\",{\"type\":\"array\",\"items\":[\"null\",\"string\"]}],"
                + "\"default\":null}"));
        fields.add(json.readTree("{\"name\":\"rating\",\"type\":[\"null\",\"float\"],\"default\":null}"));
        return new Schema.Parser().parse(json.writeValueAsString(root));
    }

    /**
     * The metadata fields of one record of {@link #writerSchema()}, any of them null.
     *
     * @param meta            title, lang, year, score, tags and model
     * @param sourceTimestamp the contract's optional source_timestamp_ms
     * @param rating          a float
     */
    record AvroMeta(Meta meta, Long sourceTimestamp, Float rating) {

        static final AvroMeta NONE = new AvroMeta(Meta.NONE, null, null);
        private static final long[] TIMESTAMPS = {1_700_000_000_123L, 1000L, 0L, 4_294_967_296L};
        private static final float[] RATINGS = {0.1f, -2.5f, 3f, -0f, Float.MAX_VALUE, Float.NaN, Float.NEGATIVE_INFINITY};

        static AvroMeta random(Random random, String id, int version) {
            Meta meta = Meta.random(random, id, version);
            if (meta.isEmpty()) {
                return NONE;
            }
            return new AvroMeta(meta, random.nextInt(3) == 0 ? null : TIMESTAMPS[random.nextInt(TIMESTAMPS.length)],
                    random.nextInt(3) == 0 ? null : RATINGS[random.nextInt(RATINGS.length)]);
        }

        static AvroMeta retag(Random random, String id, int version) {
            return new AvroMeta(Meta.retag(random, id, version), null, random.nextBoolean() ? null : 4.5f);
        }

        /** The document the sink must store: the kept fields in the writer schema's order, nulls omitted. */
        byte[] document() {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("title", meta.title());
            fields.put("source_timestamp_ms", sourceTimestamp);
            fields.put("model", meta.model());
            fields.put("lang", meta.lang());
            fields.put("year", meta.year());
            fields.put("score", meta.score());
            fields.put("tags", meta.tags());
            fields.put("rating", rating);
            return ExpectedMetadata.document(fields);
        }
    }

    private static Path contract() {
        Path fromModule = Paths.get("..", "schemas", "vector_mutation.avsc");
        return Files.exists(fromModule) ? fromModule : Paths.get("schemas", "vector_mutation.avsc");
    }

    private static byte[] avro(int schemaId, Schema schema, String database, String id, String op, float[] vector,
                               boolean asBytes, AvroMeta meta) {
        GenericRecord record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
            if (field.hasDefaultValue()) {
                record.put(field.name(), GenericData.get().getDefaultValue(field));
            }
        }
        record.put("database", database);
        record.put("id", id);
        record.put("op", new GenericData.EnumSymbol(schema.getField("op").schema(), op));
        if (vector != null && asBytes) {
            ByteBuffer bytes = ByteBuffer.allocate(4 * vector.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : vector) {
                bytes.putFloat(f);
            }
            bytes.flip();
            record.put("vector_bytes", bytes);
        } else if (vector != null) {
            List<Float> boxed = new ArrayList<>(vector.length);
            for (float f : vector) {
                boxed.add(f);
            }
            record.put("vector", boxed);
        }
        record.put("title", meta.meta().title());
        record.put("source_timestamp_ms", meta.sourceTimestamp());
        record.put("model", meta.meta().model());
        record.put("lang", meta.meta().lang());
        record.put("year", meta.meta().year());
        record.put("score", meta.meta().score());
        record.put("tags", meta.meta().tags());
        record.put("rating", meta.rating());
        return ConfluentAvroProducer.serialize(schemaId, schema, record);
    }
}
