package io.jadevectordb.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;
import io.jadevectordb.testkit.ApicurioRegistry;
import io.jadevectordb.testkit.ConfluentAvroProducer;
import io.jadevectordb.testkit.JavaProcess;
import io.jadevectordb.testkit.LocalConnectWorker;
import io.jadevectordb.testkit.LocalKafkaBroker;
import io.jadevectordb.testkit.SinkProgress;

/**
 * Records of a few bytes that claim a 1.5 GB string, bytes value or array in one field each
 * (the fields the sink reads and a metadata field), among good records, through the fast-path converter in a real
 * worker with a 128 MiB heap: the good records land, each hostile one is dead-lettered with a
 * reason naming its field and claim, and the worker stays up. Decoding that allocated the claimed
 * length first would be an OutOfMemoryError, which exits this worker.
 */
class HostileRecordWorkerTest {

    private static final String CONNECTOR = "hostile";
    private static final String TOPIC = "hostile";
    private static final String DLQ = "hostile-dlq";
    private static final long CLAIM = 1_500_000_000L;
    private static final int DIMENSION = 8;

    @TempDir
    Path tmp;

    @Test
    void hostileLengthsInEveryFieldAreDeadLetteredAndTheSmallHeapWorkerStaysUp() throws Exception {
        Layout.check();
        Path dataDir = tmp.resolve("data");
        Schema schema = new Schema.Parser().parse(Files.readString(Layout.schemaFile()));
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(tmp.resolve("kafka"));
             ApicurioRegistry registry = ApicurioRegistry.start();
             LocalConnectWorker worker = LocalConnectWorker.start(tmp.resolve("connect"), broker.bootstrapServers(),
                     Layout.pluginPath(), Map.of(), List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError"),
                     JavaProcess.kafkaClasspath());
             KafkaProducer<byte[], byte[]> producer = producer(broker.bootstrapServers())) {
            int schemaId = new ConfluentAvroProducer(registry.confluentApiUrl()).register(TOPIC + "-value", schema);
            broker.createTopic(TOPIC, 1);
            broker.createTopic(DLQ, 1);
            worker.putConnector(CONNECTOR, connectorConfig(dataDir, registry.confluentApiUrl()));
            worker.awaitRunning(CONNECTOR, Duration.ofSeconds(90));

            // Contract field order: database, id, op, vector, vector_bytes, source_timestamp_ms, model (metadata).
            Map<String, byte[]> hostile = new LinkedHashMap<>();
            hostile.put("database", concat(varint(1), varint(CLAIM)));
            hostile.put("id", concat(varint(0), varint(CLAIM)));
            hostile.put("vector", concat(varint(0), string("h"), varint(0), varint(1), varint(CLAIM)));
            hostile.put("vector_bytes", concat(varint(0), string("h"), varint(0), varint(0), varint(1), varint(CLAIM)));
            hostile.put("model", concat(varint(0), string("h"), varint(0), varint(0), varint(1), varint(4), new byte[4],
                    varint(0), varint(1), varint(CLAIM)));
            int good = 0;
            for (Map.Entry<String, byte[]> e : hostile.entrySet()) {
                send(producer, "good-" + good, store(schemaId, schema, "good-" + good++));
                send(producer, "hostile-" + e.getKey(), concat(header(schemaId), e.getValue()));
                send(producer, "good-" + good, store(schemaId, schema, "good-" + good++));
            }
            producer.flush();

            List<ConsumerRecord<byte[], byte[]>> letters = awaitDeadLetters(broker, worker, hostile.size());
            awaitCaughtUp(broker, worker);

            assertThat(worker.process().isAlive()).as("worker alive" + worker.process().tail(30)).isTrue();
            assertThat(worker.taskState(CONNECTOR)).startsWith("RUNNING");
            assertThat(Files.readString(worker.process().log())).doesNotContain("OutOfMemoryError");
            List<String> reasons = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> letter : letters) {
                reasons.add(headerText(letter, "__connect.errors.exception.message"));
            }
            assertThat(reasons).as("one dead letter per hostile field, with the field and its claim").hasSize(hostile.size());
            for (String field : hostile.keySet()) {
                assertThat(reasons).as("the reason for the hostile '%s'", field)
                        .anySatisfy(r -> assertThat(r).contains("field '" + field + "' claims", Long.toString(CLAIM)));
            }
            worker.stopConnector(CONNECTOR);
            int goodCount = good;
            try (VectorStore store = VectorStore.open(dataDir, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
                Database database = store.database(TOPIC).orElseThrow();
                assertThat(database.stats().liveCount()).as("good records applied").isEqualTo(goodCount);
                for (int i = 0; i < goodCount; i++) {
                    float[] expected = vector(i);
                    assertThat(database.get("good-" + i)).as("good-%d", i).hasValueSatisfying(v ->
                            assertThat(v).containsExactly(expected));
                }
            }
        }
    }

    private static Map<String, String> connectorConfig(Path dataDir, String registryUrl) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", "io.jadevectordb.connect.VectorSinkConnector");
        config.put("topics", TOPIC);
        config.put("tasks.max", "1");
        config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        config.put("value.converter", "io.jadevectordb.connect.avro.VectorMutationAvroConverter");
        config.put("value.converter.schema.registry.url", registryUrl);
        config.put("data.dir", dataDir.toString());
        config.put("id.source", "field");
        config.put("errors.tolerance", "all");
        config.put("errors.deadletterqueue.topic.name", DLQ);
        config.put("errors.deadletterqueue.topic.replication.factor", "1");
        config.put("errors.deadletterqueue.context.headers.enable", "true");
        return config;
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String key, byte[] value) {
        producer.send(new ProducerRecord<>(TOPIC, 0, key.getBytes(StandardCharsets.UTF_8), value));
    }

    private static byte[] store(int schemaId, Schema schema, String id) {
        GenericRecord record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
            if (field.hasDefaultValue()) {
                record.put(field.name(), GenericData.get().getDefaultValue(field));
            }
        }
        record.put("id", id);
        record.put("op", new GenericData.EnumSymbol(schema.getField("op").schema(), "STORE"));
        ByteBuffer bytes = ByteBuffer.allocate(DIMENSION * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : vector(Integer.parseInt(id.substring("good-".length())))) {
            bytes.putFloat(f);
        }
        record.put("vector_bytes", bytes.flip());
        return ConfluentAvroProducer.serialize(schemaId, schema, record);
    }

    private static float[] vector(int i) {
        float[] v = new float[DIMENSION];
        for (int d = 0; d < DIMENSION; d++) {
            v[d] = i + d / 16f;
        }
        return v;
    }

    /** The Confluent wire-format header: magic byte 0, then the schema id, big-endian. */
    private static byte[] header(int schemaId) {
        return ByteBuffer.allocate(5).put((byte) 0).putInt(schemaId).array();
    }

    private static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7fL) != 0) {
            out.write((int) ((n & 0x7f) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
        return out.toByteArray();
    }

    private static byte[] string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return concat(varint(utf8.length), utf8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static String headerText(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Reads {@code count} dead letters, failing early (with the worker's log) if the worker dies. */
    private static List<ConsumerRecord<byte[], byte[]>> awaitDeadLetters(LocalKafkaBroker broker, LocalConnectWorker worker,
            int count) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(DLQ, 0)));
            while (letters.size() < count) {
                if (!worker.process().isAlive()) {
                    throw new IOException("the worker died with " + letters.size() + " of " + count + " dead letters"
                            + worker.process().tail(40));
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException(letters.size() + " of " + count + " dead letters: " + worker.states(CONNECTOR)
                            + worker.process().tail(40));
                }
                consumer.poll(Duration.ofMillis(500)).forEach(letters::add);
            }
        }
        return letters;
    }

    private static void awaitCaughtUp(LocalKafkaBroker broker, LocalConnectWorker worker) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        try (Admin admin = broker.admin()) {
            long lag = SinkProgress.lag(admin, CONNECTOR, List.of(TOPIC));
            while (lag > 0) {
                if (System.nanoTime() > deadline || !worker.process().isAlive()) {
                    throw new IOException("sink still " + lag + " records behind: " + worker.states(CONNECTOR)
                            + worker.process().tail(40));
                }
                Thread.sleep(250);
                lag = SinkProgress.lag(admin, CONNECTOR, List.of(TOPIC));
            }
        }
    }
}
