package io.jadevectordb.quickstart;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import io.jadevectordb.testkit.ApicurioRegistry;
import io.jadevectordb.testkit.ConfluentAvroProducer;
import io.jadevectordb.testkit.LocalConnectWorker;
import io.jadevectordb.testkit.LocalKafkaBroker;
import io.jadevectordb.testkit.MutationWorkload;
import io.jadevectordb.testkit.PipelineConfig;
import io.jadevectordb.testkit.SampleMetadata;
import io.jadevectordb.testkit.SinkProgress;

/**
 * The whole pipeline on one machine with real parts, each its own process on 127.0.0.1: a
 * KRaft broker, Apicurio Registry, a distributed Connect worker loading the packaged plugin
 * from {@code plugin.path}, and the sink connector created through the REST API from
 * {@code config/jadevectordb-sink.json}. Used by the quickstart and the deployment test.
 */
public final class LocalPipeline implements AutoCloseable {

    /** The connector's name. */
    public static final String CONNECTOR = "jadevectordb-sink";

    private final Path workDir;
    private final Map<String, Integer> databases;
    private final Schema schema;
    private LocalKafkaBroker broker;
    private ApicurioRegistry registry;
    private LocalConnectWorker worker;
    private String bootstrapServers;
    private String registryUrl;
    private int schemaId;

    /**
     * @param workDir   logs, broker data and the sink's data directory go here
     * @param databases topic (= database) -> dimension
     */
    public LocalPipeline(Path workDir, Map<String, Integer> databases) throws IOException {
        this.workDir = workDir;
        this.databases = new LinkedHashMap<>(databases);
        // The shipped schema with the optional title and language the workload sends (a no-op once the
        // shipped schema has them): the one schema registered and written with.
        this.schema = SampleMetadata.extend(new Schema.Parser().parse(Files.readString(Layout.schemaFile())),
                SampleMetadata.Mode.TAGS);
    }

    public Path dataDir() {
        return workDir.resolve("data");
    }

    /** The value schema registered for every topic and written with: the shipped one with title and language. */
    public Schema schema() {
        return schema;
    }

    public Map<String, Integer> databases() {
        return databases;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public LocalConnectWorker worker() {
        return worker;
    }

    /** Starts a broker, or uses {@code existing} when not null. */
    public void startBroker(String existing, PrintStream out) throws IOException, InterruptedException {
        long t = System.nanoTime();
        if (existing != null) {
            bootstrapServers = existing;
            out.printf("  Kafka broker: using %s%n", existing);
            return;
        }
        broker = LocalKafkaBroker.start(workDir.resolve("kafka"));
        bootstrapServers = broker.bootstrapServers();
        out.printf("  Kafka broker (KRaft, single node) on %s, ready in %.1f s (log: %s)%n", bootstrapServers, seconds(t),
                broker.process().log());
    }

    /** Starts Apicurio Registry, or uses {@code existing} (a Confluent-compatible URL) when not null. */
    public void startRegistry(String existing, PrintStream out) throws IOException {
        long t = System.nanoTime();
        if (existing != null) {
            registryUrl = existing;
            out.printf("  Schema registry: using %s%n", existing);
            return;
        }
        System.setProperty("apicurio.registry.home", Layout.apicurioHome().toString());
        registry = ApicurioRegistry.start();
        registryUrl = registry.confluentApiUrl();
        out.printf("  Apicurio Registry on %s, ready in %.1f s%n", registry.baseUrl(), seconds(t));
    }

    /** Creates one topic per database and registers the value schema for each. */
    public void createTopics(int partitions, PrintStream out) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(p)) {
            var existing = admin.listTopics().names().get();
            List<NewTopic> topics = databases.keySet().stream().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, partitions, (short) 1)).toList();
            admin.createTopics(topics).all().get();
        }
        ConfluentAvroProducer registrar = new ConfluentAvroProducer(registryUrl);
        for (String topic : databases.keySet()) {
            schemaId = registrar.register(topic + "-value", schema);
        }
        out.printf("  Topics %s (%d partitions each, keyed by id); schema %s registered (id %d)%n", databases.keySet(),
                partitions, schema.getFullName(), schemaId);
    }

    /** Starts the Connect worker with the packaged plugin and creates the connector over REST. */
    public void startConnect(int tasks, PrintStream out) throws IOException, InterruptedException {
        long t = System.nanoTime();
        worker = LocalConnectWorker.start(workDir.resolve("connect"), bootstrapServers, Layout.pluginPath(), Map.of());
        out.printf("  Kafka Connect worker (distributed) on %s, plugin from %s, ready in %.1f s%n", worker.restUrl(),
                Layout.pluginPath(), seconds(t));
        worker.putConnector(CONNECTOR, connectorConfig(tasks));
        worker.awaitRunning(CONNECTOR, Duration.ofSeconds(90));
        out.printf("  Connector %s created from %s: RUNNING with %d task(s), data in %s%n", CONNECTOR,
                Layout.connectorJson().getFileName(), tasks, dataDir());
    }

    /** The connector config: {@code config/jadevectordb-sink.json} with this pipeline's topics, registry and data dir. */
    public Map<String, String> connectorConfig(int tasks) throws IOException {
        return PipelineConfig.sinkConnector(Layout.connectorJson(), Map.of(), databases.keySet(), tasks, dataDir(), registryUrl);
    }

    /** A producer of Avro values in Confluent wire format, keyed by id, idempotent and ordered. */
    public KafkaProducer<String, byte[]> producer() {
        return PipelineConfig.producer(bootstrapServers,
                Map.of(ProducerConfig.LINGER_MS_CONFIG, "5", ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"));
    }

    /** Serialises and sends one workload item. */
    public void send(KafkaProducer<String, byte[]> producer, MutationWorkload.Item item) {
        byte[] value = item.value() == null ? null : ConfluentAvroProducer.serialize(schemaId, schema, item.value());
        producer.send(new ProducerRecord<>(item.topic(), item.key(), value));
    }

    /** Records not yet committed (durable) by the sink. */
    public long lag() throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(p)) {
            return SinkProgress.lag(admin, CONNECTOR, databases.keySet());
        }
    }

    /** Waits until the sink has committed everything produced. */
    public void awaitCaughtUp(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lag = lag();
        while (lag > 0) {
            if (System.nanoTime() > deadline) {
                throw new IOException("sink still " + lag + " records behind after " + timeout + ": "
                        + worker.states(CONNECTOR) + worker.process().tail(40));
            }
            Thread.sleep(250);
            lag = lag();
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    @Override
    public void close() throws InterruptedException {
        if (worker != null) {
            worker.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }
}
