package io.jadevectordb.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;
import io.jadevectordb.testkit.JavaProcess;
import io.jadevectordb.testkit.LocalConnectWorker;
import io.jadevectordb.testkit.LocalKafkaBroker;
import io.jadevectordb.testkit.SinkProgress;

/**
 * {@code buffer.max.bytes} holds in a real worker with a small heap. The shard is locked by
 * another writer, so nothing the task buffers can be applied; the records are UPDATEs under
 * {@code update.missing.policy=reject}, which the task keeps whole (for a possible dead letter)
 * with their vectors as boxed {@code List<Float>}s: about eight times the floats. A bound that
 * counted only the floats would let the buffer outgrow the worker's 160 MiB heap; the real
 * bound pauses the partition at 24 MiB, the worker stays up, and once the lock is released
 * every update is applied.
 */
class SmallHeapWorkerTest {

    private static final String CONNECTOR = "small-heap";
    private static final String TOPIC = "heavy";
    private static final String DATABASE = "heavy";
    private static final int DIMENSION = 1536;
    private static final int IDS = 3000;

    @TempDir
    Path tmp;

    @Test
    void theBufferBoundHoldsInASmallHeapWorkerWhileTheShardCannotTakeData() throws Exception {
        Layout.check();
        Path dataDir = tmp.resolve("data");
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(tmp.resolve("kafka"));
             LocalConnectWorker worker = LocalConnectWorker.start(tmp.resolve("connect"), broker.bootstrapServers(),
                     Layout.pluginPath(), Map.of(), List.of("-Xmx160m", "-XX:+ExitOnOutOfMemoryError"),
                     JavaProcess.kafkaClasspath());
             KafkaProducer<String, String> producer = producer(broker.bootstrapServers())) {
            broker.createTopic(TOPIC, 1);
            worker.putConnector(CONNECTOR, connectorConfig(dataDir));
            worker.awaitRunning(CONNECTOR, Duration.ofSeconds(90));
            produce(producer, "STORE", 0);
            awaitCaughtUp(broker, worker);

            // Take the shard away from the task: stop the connector (its shards are released), lock it, resume.
            worker.stopConnector(CONNECTOR);
            try (VectorStore other = VectorStore.open(dataDir, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
                other.apply(DATABASE, new SourcePartition(TOPIC, 0), List.of()); // opens the shard: holds its writer lock
                worker.resumeConnector(CONNECTOR);
                worker.awaitRunning(CONNECTOR, Duration.ofSeconds(90));
                produce(producer, "UPDATE", 1);
                System.out.println("worker: " + awaitLogLine(worker, "pausing"));
                Thread.sleep(3000); // the consumer would keep delivering here if the pause did not hold
                assertThat(worker.process().isAlive()).as("worker alive with the buffer at its bound" + worker.process().tail(30))
                        .isTrue();
                assertThat(worker.taskState(CONNECTOR)).startsWith("RUNNING");
            }
            awaitCaughtUp(broker, worker);
            assertThat(Files.readString(worker.process().log())).doesNotContain("OutOfMemoryError");
            worker.stopConnector(CONNECTOR);
        }
        try (VectorStore store = VectorStore.open(dataDir, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            Database database = store.database(DATABASE).orElseThrow();
            assertThat(database.stats().liveCount()).isEqualTo(IDS);
            for (int i = 0; i < IDS; i += 97) {
                float[] expected = vector(i, 1);
                assertThat(database.get("id-" + i)).as("id-%d after its update", i).hasValueSatisfying(v ->
                        assertThat(v).containsExactly(expected));
            }
        }
    }

    private static Map<String, String> connectorConfig(Path dataDir) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", "io.jadevectordb.connect.VectorSinkConnector");
        config.put("topics", TOPIC);
        config.put("tasks.max", "1");
        config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        config.put("value.converter.schemas.enable", "true");
        config.put("data.dir", dataDir.toString());
        config.put("database.field", ""); // every record to database.topic.template: the topic
        config.put("id.source", "key");
        config.put("buffer.max.bytes", Long.toString(24L << 20));
        config.put("update.missing.policy", "reject");
        config.put("io.retry.timeout.ms", "600000");
        config.put("io.retry.backoff.ms", "200");
        return config;
    }

    private static KafkaProducer<String, String> producer(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1 << 20);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** One record per id: the vector as a JSON array (a {@code List<Float>} on the Struct path). */
    private static void produce(KafkaProducer<String, String> producer, String op, int version) {
        String schema = "{\"type\":\"struct\",\"fields\":[{\"field\":\"op\",\"type\":\"string\"},"
                + "{\"field\":\"vector\",\"type\":\"array\",\"items\":{\"type\":\"float\"}}]}";
        for (int i = 0; i < IDS; i++) {
            StringBuilder value = new StringBuilder(DIMENSION * 12).append("{\"schema\":").append(schema)
                    .append(",\"payload\":{\"op\":\"").append(op).append("\",\"vector\":[");
            float[] vector = vector(i, version);
            for (int d = 0; d < DIMENSION; d++) {
                value.append(d == 0 ? "" : ",").append(vector[d]);
            }
            producer.send(new ProducerRecord<>(TOPIC, "id-" + i, value.append("]}}").toString()));
        }
        producer.flush();
    }

    private static float[] vector(int id, int version) {
        float[] vector = new float[DIMENSION];
        for (int d = 0; d < DIMENSION; d++) {
            vector[d] = id + version * 0.5f + d / 4096f;
        }
        return vector;
    }

    private static void awaitCaughtUp(LocalKafkaBroker broker, LocalConnectWorker worker) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        try (Admin admin = broker.admin()) {
            long lag = SinkProgress.lag(admin, CONNECTOR, List.of(TOPIC));
            while (lag > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("sink still " + lag + " records behind: " + worker.states(CONNECTOR)
                            + worker.process().tail(40));
                }
                Thread.sleep(250);
                lag = SinkProgress.lag(admin, CONNECTOR, List.of(TOPIC));
            }
        }
    }

    /** Waits until the worker logs a line containing {@code text}, and returns that line. */
    private static String awaitLogLine(LocalConnectWorker worker, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            for (String line : Files.readAllLines(worker.process().log())) {
                if (line.contains(text)) {
                    return line;
                }
            }
            if (!worker.process().isAlive()) {
                throw new IOException("the worker died before logging '" + text + "'" + worker.process().tail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the worker never logged '" + text + "': " + worker.states(CONNECTOR)
                        + worker.process().tail(40));
            }
            Thread.sleep(250);
        }
    }
}
