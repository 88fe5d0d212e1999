package io.jadevectordb.connect;

import static io.jadevectordb.connect.fixtures.StoreAssertions.assertStoreMatches;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.test.TestUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

import io.jadevectordb.connect.fixtures.ConnectRest;
import io.jadevectordb.connect.fixtures.PluginArchive;
import io.jadevectordb.connect.fixtures.SinkCluster;
import io.jadevectordb.connect.fixtures.Workload;
import io.jadevectordb.engine.ShardStats;
import io.jadevectordb.engine.StoreReader;
import io.jadevectordb.engine.verify.ShardReport;

/**
 * The sink deployed on containers, for machines with a Docker engine: an {@code apache/kafka}
 * broker of the Kafka version the poms build against ({@link KafkaContainer}), and a distributed
 * Connect worker in a second container of the same image that loads the packaged plugin archive
 * (unzipped into its {@code plugin.path}) and knows nothing else of this project. The connector
 * is created over the REST API; once its committed offsets reach the end of the topic, it is
 * stopped and the shards it wrote are copied out of the container and checked exactly.
 *
 * <p>What it adds to the other layers: the stock image, and a worker that shares no JVM, class
 * path or file system with the test. Without a Docker engine every test here is skipped, with the
 * reason ({@link #NO_DOCKER}); the same ground without Docker is
 * covered by quickstart's {@code DeploymentTest} (broker, registry and worker as processes, the
 * plugin from {@code plugin.path}, the worker SIGKILLed mid-stream), {@link VectorSinkRecoveryTest}
 * (in-JVM cluster) and {@link PluginArchiveIT} (the archive's layout and discovery).
 */
@EnabledIf(value = "dockerAvailable", disabledReason = ContainerDeploymentIT.NO_DOCKER)
class ContainerDeploymentIT {

    static final String NO_DOCKER = "needs a Docker engine, and Testcontainers found none (set DOCKER_HOST or start "
            + "Docker; its log says what it tried). Without Docker the same ground is covered by quickstart's "
            + "DeploymentTest (broker and worker processes, plugin from plugin.path, SIGKILL mid-stream), "
            + "VectorSinkRecoveryTest and PluginArchiveIT";

    /** Named by failsafe's configuration from {@code kafka.version}; else the kafka-clients on the classpath. */
    private static final String KAFKA_IMAGE = System.getProperty("kafka.image", "apache/kafka:" + AppInfoParser.getVersion());

    private static final String BROKER_IN_NETWORK = "kafka:19092";
    private static final int REST_PORT = 8083;
    private static final String PLUGIN_PATH = "/opt/jadevectordb/plugins";
    private static final String WORKER_CONFIG = "/opt/jadevectordb/connect-distributed.properties";
    /** The sink's data.dir inside the worker container (the image's user may write /tmp). */
    private static final String DATA_DIR = "/tmp/jadevectordb-data";
    private static final Map<String, Integer> DIMENSIONS = Map.of("alpha", 8, "beta", 3);
    private static final long WAIT_MS = SinkCluster.WAIT_MS;

    @TempDir
    static Path tmp;

    private static Network network;
    private static KafkaContainer kafka;
    private static GenericContainer<?> connect;
    private static Admin admin;
    private static KafkaProducer<String, String> producer;
    private static ConnectRest rest;

    static boolean dockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    @BeforeAll
    static void startContainers() throws IOException {
        Path plugin = PluginArchive.unzip(PluginArchive.path(), tmp.resolve("plugins"));
        DockerImageName image = DockerImageName.parse(KAFKA_IMAGE);
        network = Network.newNetwork();
        kafka = new KafkaContainer(image).withNetwork(network).withListener(BROKER_IN_NETWORK);
        connect = new GenericContainer<>(image)
                .withNetwork(network)
                .withNetworkAliases("connect")
                .dependsOn(kafka)
                // Copied rather than bind-mounted, so a remote Docker host works too.
                .withCopyFileToContainer(MountableFile.forHostPath(plugin), PLUGIN_PATH + "/" + plugin.getFileName())
                .withCopyToContainer(Transferable.of(workerConfig()), WORKER_CONFIG)
                .withEnv("KAFKA_HEAP_OPTS", "-Xmx512m")
                .withCommand("/opt/kafka/bin/connect-distributed.sh", WORKER_CONFIG)
                .withExposedPorts(REST_PORT)
                .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger(ContainerDeploymentIT.class))
                        .withPrefix("connect"))
                // Ready when the REST API lists the sink: that also proves plugin.path was scanned.
                .waitingFor(Wait.forHttp("/connector-plugins").forPort(REST_PORT).forStatusCode(200)
                        .forResponsePredicate(body -> body.contains(VectorSinkConnector.class.getName()))
                        .withStartupTimeout(Duration.ofMinutes(3)));
        connect.start();
        rest = new ConnectRest(URI.create("http://" + connect.getHost() + ":" + connect.getMappedPort(REST_PORT)));

        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBootstrapServers()));
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBootstrapServers());
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer());
    }

    /** A distributed worker as an operator would write it: one broker, so replication factor 1. */
    private static String workerConfig() {
        return String.join("\n",
                "bootstrap.servers=" + BROKER_IN_NETWORK,
                "group.id=jadevectordb-containers",
                "config.storage.topic=connect-configs",
                "offset.storage.topic=connect-offsets",
                "status.storage.topic=connect-status",
                "config.storage.replication.factor=1",
                "offset.storage.replication.factor=1",
                "status.storage.replication.factor=1",
                "key.converter=org.apache.kafka.connect.json.JsonConverter",
                "value.converter=org.apache.kafka.connect.json.JsonConverter",
                "listeners=http://0.0.0.0:" + REST_PORT,
                "rest.advertised.host.name=connect",
                "rest.advertised.port=" + REST_PORT,
                "plugin.path=" + PLUGIN_PATH,
                "plugin.discovery=service_load",
                // Commit often, so the test sees durability soon.
                "offset.flush.interval.ms=500",
                "");
    }

    @AfterAll
    static void stopContainers() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (connect != null) {
            connect.stop();
        }
        if (kafka != null) {
            kafka.stop();
        }
        if (network != null) {
            network.close();
        }
    }

    @Test
    void workerOffersTheSinkFromPluginPathWithTheArchivesVersion() throws Exception {
        JsonNode plugins = rest.connectorPlugins();

        List<String> versions = new ArrayList<>();
        plugins.forEach(p -> {
            if (VectorSinkConnector.class.getName().equals(p.get("class").asText())) {
                assertThat(p.get("type").asText()).isEqualTo("sink");
                versions.add(p.get("version").asText());
            }
        });
        assertThat(versions).as("the sink in %s", plugins).containsExactly(SinkVersion.VERSION);
    }

    @Test
    void connectorCreatedOverRestLeavesExactlyTheStateTheTopicDescribes() throws Exception {
        String topic = "vectors";
        String connector = "jadevectordb-sink";
        int partitions = 2;
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        long seed = System.nanoTime();
        System.out.println("workload seed: " + seed);
        Workload workload = new Workload(ContainerDeploymentIT::send, topic, partitions, seed, DIMENSIONS);

        workload.produce(200);
        rest.configure(connector, SinkCluster.sinkProps(topic, DATA_DIR, true));
        workload.produce(200);
        Map<Integer, Long> ends = endOffsets(topic, partitions);
        awaitCommitted(connector, topic, ends);
        rest.stop(connector);
        TestUtils.waitForCondition(() -> rest.isStoppedWithoutTasks(connector), WAIT_MS,
                () -> connector + " did not stop: " + rest.describe(connector));
        Path dataDir = copyDataDirOut(tmp.resolve("data"));

        // Read-only first, as an operator would: the sink released every shard at the checkpoint
        // that covers the last record of its partition, and verify finds nothing wrong.
        StoreReader reader = StoreReader.open(dataDir);
        assertThat(reader.databaseNames()).as("databases (seed %d)", seed).containsExactlyInAnyOrderElementsOf(DIMENSIONS.keySet());
        for (String database : reader.databaseNames()) {
            assertThat(reader.dimension(database)).isEqualTo(DIMENSIONS.get(database));
            for (ShardStats shard : reader.stats(database).shards()) {
                assertThat(shard.checkpointOffset()).as("checkpoint of %s (seed %d)", shard.name(), seed)
                        .isEqualTo(ends.get(partitionOf(topic, shard)) - 1);
                assertThat(shard.released()).as("%s released by the stopped task", shard.name()).isTrue();
            }
            for (ShardReport report : reader.verify(database)) {
                assertThat(report.hasFaults()).as("verify %s: %s", report.name(), report.faults()).isFalse();
            }
        }
        assertThat(workload.expected().liveCount()).as("the workload leaves live ids").isPositive();
        assertStoreMatches(workload.expected(), dataDir);
    }

    private static void send(String topic, int partition, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, partition, key, value)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("producing to " + topic + "-" + partition + " failed", e);
        }
    }

    private static Map<Integer, Long> endOffsets(String topic, int partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
    }

    /** Waits until the offsets Connect committed for the sink (only durable ones) are the ends of the topic. */
    private static void awaitCommitted(String connector, String topic, Map<Integer, Long> ends) throws InterruptedException {
        // An empty partition never gets a committed offset.
        Map<Integer, Long> nonEmpty = new HashMap<>(ends);
        nonEmpty.values().removeIf(end -> end == 0);
        TestUtils.waitForCondition(() -> rest.committedOffsets(connector, topic).equals(nonEmpty), WAIT_MS,
                () -> "offsets of " + connector + " did not reach the end of " + topic + ": ends " + ends
                        + ", status " + rest.describe(connector));
    }

    /** The topic partition a shard file holds ({@code <topic>-<partition>.jvdb}). */
    private static int partitionOf(String topic, ShardStats shard) {
        String file = shard.path().getFileName().toString();
        assertThat(file).as("shard file of %s", shard.name()).startsWith(topic + "-").endsWith(".jvdb");
        return Integer.parseInt(file.substring(topic.length() + 1, file.length() - ".jvdb".length()));
    }

    /** Copies every file of the sink's data.dir out of the worker container into {@code into}. */
    private static Path copyDataDirOut(Path into) throws IOException, InterruptedException {
        Container.ExecResult found = connect.execInContainer("find", DATA_DIR, "-type", "f");
        assertThat(found.getExitCode()).as("find in %s: %s", DATA_DIR, found.getStderr()).isZero();
        for (String file : found.getStdout().split("\n")) {
            if (file.isBlank()) {
                continue;
            }
            Path target = into.resolve(file.substring(DATA_DIR.length() + 1)).normalize();
            assertThat(target).as("copy of %s", file).startsWith(into);
            Files.createDirectories(target.getParent());
            connect.copyFileFromContainer(file, target.toString());
        }
        return into;
    }
}
