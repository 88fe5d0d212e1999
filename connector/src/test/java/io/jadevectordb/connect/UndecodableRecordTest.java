package io.jadevectordb.connect;

import static io.jadevectordb.connect.fixtures.StoreAssertions.assertStoreMatches;
import static io.jadevectordb.connect.fixtures.VectorRecords.vector;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.fixtures.ApicurioRegistryExtension;
import io.jadevectordb.connect.fixtures.ExpectedMetadata;
import io.jadevectordb.connect.fixtures.SinkCluster;
import io.jadevectordb.oracle.ExpectedState;
import io.jadevectordb.testkit.ConfluentAvroProducer;

/**
 * A value the fast-path converter cannot decode is dead-lettered by the task, which waits for
 * that dead letter before any checkpoint passes it; Connect's own converter-stage dead letter is
 * fire-and-forget, so a lost one would let the commit skip the record for good.
 */
class UndecodableRecordTest {

    /** The contract's optional source_timestamp_ms every record sends: metadata beside model. */
    private static final long TIMESTAMP_MS = 1_700_000_000_123L;

    @RegisterExtension
    static final ApicurioRegistryExtension REGISTRY = new ApicurioRegistryExtension();

    private static SinkCluster cluster;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startCluster() {
        cluster = SinkCluster.start("sink-undecodable", 1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static byte[] store(int schemaId, Schema schema, String id) {
        GenericRecord record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
            if (field.hasDefaultValue()) {
                record.put(field.name(), GenericData.get().getDefaultValue(field));
            }
        }
        record.put("database", "alpha");
        record.put("id", id);
        record.put("op", new GenericData.EnumSymbol(schema.getField("op").schema(), "STORE"));
        record.put("vector_bytes", ByteBuffer.wrap(littleEndian(vector(id, 0, 8))));
        record.put("source_timestamp_ms", TIMESTAMP_MS);
        record.put("model", "model-of-" + id);
        return ConfluentAvroProducer.serialize(schemaId, schema, record);
    }

    /** The metadata {@link #store} sends: the contract's optional fields, in its order. */
    private static byte[] document(String id) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("source_timestamp_ms", TIMESTAMP_MS);
        fields.put("model", "model-of-" + id);
        return ExpectedMetadata.document(fields);
    }

    private static byte[] littleEndian(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    @Test
    void anUndecodableValueWhoseDeadLetterFailsIsReportedAfterTheRestartNotSkipped() throws Exception {
        String topic = "undecodable";
        String dlq = "undecodable-dlq";
        String connector = "sink-undecodable";
        Path dataDir = tmp.resolve("undecodable");
        Schema schema = new Schema.Parser().parse(Files.readString(Paths.get("..", "schemas", "vector_mutation.avsc")));
        int schemaId = new ConfluentAvroProducer(REGISTRY.registry().confluentApiUrl()).register(topic + "-value", schema);
        cluster.createTopic(topic, 1);
        // Every dead letter is larger than this: the broker refuses the write.
        cluster.connect().kafka().createTopic(dlq, 1, 1, Map.of("max.message.bytes", "100"));
        Map<String, String> props = SinkCluster.sinkProps(topic, dataDir.toString(), false);
        props.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        props.put("value.converter", "io.jadevectordb.connect.avro.VectorMutationAvroConverter");
        props.put("value.converter.schema.registry.url", REGISTRY.registry().confluentApiUrl());
        props.put("id.source", "field");
        props.put("errors.tolerance", "all");
        props.put("errors.deadletterqueue.topic.name", dlq);
        props.put("errors.deadletterqueue.topic.replication.factor", "1");
        props.put("errors.deadletterqueue.context.headers.enable", "true");
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 1);
        ExpectedState expected = new ExpectedState();

        cluster.produce(topic, 0, "a".getBytes(StandardCharsets.UTF_8), store(schemaId, schema, "a"));
        // Not the Confluent wire format (a JSON value): the converter cannot decode it.
        cluster.produce(topic, 0, "x".getBytes(StandardCharsets.UTF_8), "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        cluster.produce(topic, 0, "b".getBytes(StandardCharsets.UTF_8), store(schemaId, schema, "b"));
        expected.database("alpha").store("a", vector("a", 0, 8), document("a"));
        expected.database("alpha").store("b", vector("b", 0, 8), document("b"));
        // Failed by the sink's own wait, or by Connect's wait for the reports made in put(): either way at the dead letter.
        String trace = cluster.awaitFailedTaskTrace(connector);
        assertThat(trace).containsAnyOf("dead letter queue", "RecordTooLargeException");
        assertThat(cluster.committedOffsets(connector, topic).get(0)).as("committed offset while its dead letter is lost")
                .satisfiesAnyOf(o -> assertThat(o).isNull(), o -> assertThat(o).isLessThanOrEqualTo(1L));

        try (Admin admin = cluster.connect().kafka().createAdminClient()) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, dlq),
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "1048576"), AlterConfigOp.OpType.SET))))
                    .all().get();
        }
        cluster.connect().restartTask(connector, 0);
        cluster.awaitRunning(connector, 1);
        cluster.produce(topic, 0, "c".getBytes(StandardCharsets.UTF_8), store(schemaId, schema, "c"));
        expected.database("alpha").store("c", vector("c", 0, 8), document("c"));
        cluster.awaitCommitted(connector, topic, 1);
        long deadLetters = cluster.connect().kafka().endOffset(new TopicPartition(dlq, 0));
        cluster.stopConnector(connector);

        assertThat(deadLetters).as("dead letters after the restart").isEqualTo(1);
        ConsumerRecord<byte[], byte[]> letter = cluster.consume(dlq, 1).get(0);
        assertThat(header(letter, "__connect.errors.offset")).isEqualTo("1");
        assertThat(header(letter, "__connect.errors.exception.message")).contains("unknown magic byte 0x7b");
        assertThat(new String(letter.value(), StandardCharsets.UTF_8)).as("the dead letter holds the original bytes")
                .isEqualTo("{\"id\":\"x\"}");
        assertStoreMatches(expected, dataDir);
        cluster.deleteConnector(connector);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
