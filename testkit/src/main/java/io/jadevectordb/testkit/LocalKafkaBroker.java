package io.jadevectordb.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * A single-node KRaft Kafka broker (combined broker and controller) in its own JVM, on
 * 127.0.0.1: {@code kafka.tools.StorageTool format}, then {@code kafka.Kafka}, as Kafka's
 * own scripts do.
 */
public final class LocalKafkaBroker implements AutoCloseable {

    private final JavaProcess process;
    private final int port;

    private LocalKafkaBroker(JavaProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Formats {@code dir} and starts a broker on a free port. */
    public static LocalKafkaBroker start(Path dir) throws IOException, InterruptedException {
        int port = JavaProcess.freePort();
        int controllerPort = JavaProcess.freePort();
        Files.createDirectories(dir);
        Path config = dir.resolve("server.properties");
        String properties = String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("logs"),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=5",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "");
        Files.writeString(config, properties, StandardCharsets.UTF_8);
        String classpath = JavaProcess.kafkaClasspath();
        JavaProcess.run("kafka-storage-format", classpath, "kafka.tools.StorageTool",
                List.of("format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()), dir.resolve("format.log"),
                Duration.ofSeconds(60));
        JavaProcess process = JavaProcess.start("kafka-broker", classpath, List.of("-Xmx512m"), "kafka.Kafka",
                List.of(config.toString()), dir.resolve("broker.log"));
        LocalKafkaBroker broker = new LocalKafkaBroker(process, port);
        try {
            process.awaitPort(port, Duration.ofSeconds(60));
            broker.awaitReady();
        } catch (IOException | RuntimeException e) {
            process.stop(Duration.ofSeconds(5));
            throw e;
        }
        return broker;
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get();
                return;
            } catch (Exception e) {
                last = e;
                Thread.sleep(200);
            }
        }
        throw new IOException("broker on port " + port + " did not become ready: " + last + process.tail(30));
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "jvdb-testkit-" + UUID.randomUUID());
        return Admin.create(p);
    }

    /** Creates a topic with replication factor 1. */
    public void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        }
    }

    public JavaProcess process() {
        return process;
    }

    @Override
    public void close() throws InterruptedException {
        process.stop(Duration.ofSeconds(30));
    }
}
