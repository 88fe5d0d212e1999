package io.jadevectordb.connect;

import static io.jadevectordb.connect.fixtures.StoreAssertions.assertStoreMatches;
import static io.jadevectordb.connect.fixtures.VectorRecords.vector;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.fixtures.ApicurioRegistryExtension;
import io.jadevectordb.connect.fixtures.SinkCluster;
import io.jadevectordb.oracle.ExpectedState;
import io.jadevectordb.testkit.ConfluentAvroProducer;

/**
 * Avro mutations written with the shipped wire contract ({@code schemas/vector_mutation.avsc}),
 * registered in a real Apicurio Registry, through a real Connect worker into the shards: once
 * with Apicurio's own {@code AvroConverter}, once with the plugin's fast-path converter.
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

    /** Streams stores, updates, deletes and tombstones keyed by id into database {@code topic}. */
    private static void streamAndVerify(String topic, Map<String, String> converter) throws Exception {
        String connector = "sink-" + topic;
        Path dataDir = tmp.resolve(topic);
        int partitions = 2;
        int dimension = 24;
        Schema schema = new Schema.Parser().parse(Files.readString(contract()));
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

        for (int i = 0; i < 120; i++) {
            String id = "doc-" + random.nextInt(40);
            int partition = Math.floorMod(id.hashCode(), partitions);
            byte[] key = id.getBytes(StandardCharsets.UTF_8);
            // The database field is optional: null routes by topic, which is the database here.
            String database = random.nextBoolean() ? topic : null;
            float[] v = vector(id, i, dimension);
            int roll = random.nextInt(10);
            byte[] value;
            if (roll < 5 || !expected.contains(topic, id)) {
                value = avro(schemaId, schema, database, id, "STORE", v, random.nextBoolean());
                expected.store(topic, id, v);
            } else if (roll < 7) {
                value = avro(schemaId, schema, database, id, "UPDATE", v, random.nextBoolean());
                expected.update(topic, id, v);
            } else if (roll < 9) {
                value = avro(schemaId, schema, database, id, "DELETE", null, false);
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

    private static Path contract() {
        Path fromModule = Paths.get("..", "schemas", "vector_mutation.avsc");
        return Files.exists(fromModule) ? fromModule : Paths.get("schemas", "vector_mutation.avsc");
    }

    private static byte[] avro(int schemaId, Schema schema, String database, String id, String op, float[] vector,
                               boolean asBytes) {
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
        record.put("model", "test-embedder@1");
        return ConfluentAvroProducer.serialize(schemaId, schema, record);
    }
}
