package io.jadevectordb.connect.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorOffset;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorOffsets;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.clusters.ConnectAssertions;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectStandalone;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.apache.kafka.test.TestUtils;

/**
 * A real Kafka broker and a real distributed Connect worker in the test JVM (Kafka's own
 * {@link EmbeddedConnectCluster}), set up the way the sink runs in production: plugins found
 * by {@code plugin.discovery=service_load}, offsets committed every half second so tests see
 * durability quickly. One per test class: it takes about ten seconds to start.
 */
public final class SinkCluster implements AutoCloseable {

    /** Generous bound for anything to happen; waits end as soon as the condition holds. */
    public static final long WAIT_MS = 90_000;

    /** The distributed cluster; null for a standalone worker. */
    private final EmbeddedConnectCluster cluster;
    /** What the tests do with either kind of worker (Kafka's common base class is not public). */
    private final Worker connect;
    private final KafkaProducer<byte[], byte[]> producer;

    private SinkCluster(EmbeddedConnectCluster cluster, Worker connect) {
        this.cluster = cluster;
        this.connect = connect;
        Map<String, Object> producerProps = new HashMap<>();
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        this.producer = connect.kafka().createProducer(producerProps);
    }

    /** Starts a broker and {@code workers} distributed Connect workers. */
    public static SinkCluster start(String name, int workers) {
        EmbeddedConnectCluster connect = new EmbeddedConnectCluster.Builder()
                .name(name)
                .numWorkers(workers)
                .numBrokers(1)
                .workerProps(workerProps())
                .brokerProps(brokerProps())
                .build();
        connect.start();
        return new SinkCluster(connect, new Worker() {
            @Override public EmbeddedKafkaCluster kafka() { return connect.kafka(); }
            @Override public ConnectAssertions assertions() { return connect.assertions(); }
            @Override public void configureConnector(String name, Map<String, String> props) { connect.configureConnector(name, props); }
            @Override public ConnectorOffsets connectorOffsets(String name) { return connect.connectorOffsets(name); }
            @Override public ConnectorStateInfo connectorStatus(String name) { return connect.connectorStatus(name); }
            @Override public void stopConnector(String name) { connect.stopConnector(name); }
            @Override public void resumeConnector(String name) { connect.resumeConnector(name); }
            @Override public void deleteConnector(String name) { connect.deleteConnector(name); }
            @Override public void alterOffsets(String name, ConnectorOffsets offsets) { connect.alterConnectorOffsets(name, offsets); }
            @Override public void resetOffsets(String name) { connect.resetConnectorOffsets(name); }
            @Override public void stop() { connect.stop(); }
        });
    }

    /** Starts a broker and one standalone Connect worker (offsets in a file, as {@code connect-standalone.sh} keeps them). */
    public static SinkCluster startStandalone(java.nio.file.Path offsetsFile) {
        EmbeddedConnectStandalone connect = new EmbeddedConnectStandalone.Builder()
                .offsetsFile(offsetsFile.toString())
                .numBrokers(1)
                .workerProps(workerProps())
                .brokerProps(brokerProps())
                .build();
        connect.start();
        return new SinkCluster(null, new Worker() {
            @Override public EmbeddedKafkaCluster kafka() { return connect.kafka(); }
            @Override public ConnectAssertions assertions() { return connect.assertions(); }
            @Override public void configureConnector(String name, Map<String, String> props) { connect.configureConnector(name, props); }
            @Override public ConnectorOffsets connectorOffsets(String name) { return connect.connectorOffsets(name); }
            @Override public ConnectorStateInfo connectorStatus(String name) { return connect.connectorStatus(name); }
            @Override public void stopConnector(String name) { connect.stopConnector(name); }
            @Override public void resumeConnector(String name) { connect.resumeConnector(name); }
            @Override public void deleteConnector(String name) { connect.deleteConnector(name); }
            @Override public void alterOffsets(String name, ConnectorOffsets offsets) { connect.alterConnectorOffsets(name, offsets); }
            @Override public void resetOffsets(String name) { connect.resetConnectorOffsets(name); }
            @Override public void stop() { connect.stop(); }
        });
    }

    /** The operations of a Connect worker the tests use, the same for a distributed and a standalone one. */
    private interface Worker {
        EmbeddedKafkaCluster kafka();

        ConnectAssertions assertions();

        void configureConnector(String name, Map<String, String> props);

        ConnectorOffsets connectorOffsets(String name);

        ConnectorStateInfo connectorStatus(String name);

        void stopConnector(String name);

        void resumeConnector(String name);

        void deleteConnector(String name);

        void alterOffsets(String name, ConnectorOffsets offsets);

        void resetOffsets(String name);

        void stop();
    }

    private static Map<String, String> workerProps() {
        Map<String, String> workerProps = new HashMap<>();
        workerProps.put("plugin.discovery", "service_load");
        workerProps.put("offset.flush.interval.ms", "500");
        workerProps.put("listeners", "http://127.0.0.1:0");
        workerProps.put("rest.advertised.host.name", "127.0.0.1");
        workerProps.put("scheduled.rebalance.max.delay.ms", "1000");
        return workerProps;
    }

    private static Properties brokerProps() {
        Properties brokerProps = new Properties();
        brokerProps.put("auto.create.topics.enable", "false");
        return brokerProps;
    }

    /** The distributed cluster, for what only it can do (restarts, worker kills). */
    public EmbeddedConnectCluster connect() {
        if (cluster == null) {
            throw new IllegalStateException("a standalone worker: use the methods of SinkCluster");
        }
        return cluster;
    }

    public void createTopic(String topic, int partitions) {
        connect.kafka().createTopic(topic, partitions);
    }

    /** Sends one record synchronously to an explicit partition; a null value is a tombstone. Returns its offset. */
    public long produce(String topic, int partition, String key, String value) {
        return produce(topic, partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends one record of raw bytes (Avro wire format, say) synchronously; returns its offset. */
    public long produce(String topic, int partition, byte[] k, byte[] v) {
        try {
            return producer.send(new ProducerRecord<>(topic, partition, k, v)).get(30, TimeUnit.SECONDS).offset();
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("producing to " + topic + "-" + partition + " failed", e);
        }
    }

    /** Connector settings every test starts from: the sink, JSON keys, JSON values with or without schemas. */
    public static Map<String, String> sinkProps(String topic, String dataDir, boolean valueSchemas) {
        Map<String, String> props = new HashMap<>();
        props.put("connector.class", "io.jadevectordb.connect.VectorSinkConnector");
        props.put("topics", topic);
        props.put("tasks.max", "1");
        props.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        props.put("key.converter.schemas.enable", "false");
        props.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        props.put("value.converter.schemas.enable", Boolean.toString(valueSchemas));
        props.put("data.dir", dataDir);
        props.put("batch.size", "7");
        props.put("flush.interval.ms", "0");
        return props;
    }

    public void configure(String connector, Map<String, String> props) {
        connect.configureConnector(connector, props);
    }

    public void awaitRunning(String connector, int tasks) throws InterruptedException {
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(connector, tasks,
                "connector " + connector + " did not start " + tasks + " tasks");
    }

    /**
     * Waits until the connector's committed offsets reach the end of every partition of
     * {@code topic}: everything produced is durable in the shards (the sink commits no offset
     * before that).
     */
    public void awaitCommitted(String connector, String topic, int partitions) throws InterruptedException {
        Map<Integer, Long> ends = new HashMap<>();
        TestUtils.waitForCondition(() -> {
            for (int p = 0; p < partitions; p++) {
                ends.put(p, connect.kafka().endOffset(new TopicPartition(topic, p)));
            }
            Map<Integer, Long> committed = committedOffsets(connector, topic);
            for (int p = 0; p < partitions; p++) {
                if (ends.get(p) > 0 && !ends.get(p).equals(committed.get(p))) {
                    return false;
                }
            }
            return true;
        }, WAIT_MS, () -> "offsets of " + connector + " did not reach the end of " + topic + ": ends " + ends
                + ", committed " + safeCommitted(connector, topic) + ", status " + status(connector));
    }

    /** Committed (next-to-read) offset per partition of {@code topic}, as the REST API reports it. */
    public Map<Integer, Long> committedOffsets(String connector, String topic) {
        ConnectorOffsets offsets = connect.connectorOffsets(connector);
        Map<Integer, Long> result = new HashMap<>();
        for (ConnectorOffset offset : offsets.offsets()) {
            if (topic.equals(offset.partition().get("kafka_topic"))) {
                result.put(((Number) offset.partition().get("kafka_partition")).intValue(),
                        ((Number) offset.offset().get("kafka_offset")).longValue());
            }
        }
        return result;
    }

    private String safeCommitted(String connector, String topic) {
        try {
            return committedOffsets(connector, topic).toString();
        } catch (RuntimeException e) {
            return "(unavailable: " + e.getMessage() + ")";
        }
    }

    /** Connector and task states with traces, for failure messages. */
    public String status(String connector) {
        try {
            ConnectorStateInfo info = connect.connectorStatus(connector);
            StringBuilder sb = new StringBuilder(info.connector().state());
            info.tasks().forEach(t -> sb.append(", task ").append(t.id()).append('=').append(t.state())
                    .append(t.trace() == null ? "" : " " + t.trace()));
            return sb.toString();
        } catch (RuntimeException e) {
            return "(unavailable: " + e.getMessage() + ")";
        }
    }

    /** The trace of the connector's first failed task, waiting for it to fail. */
    public String awaitFailedTaskTrace(String connector) throws InterruptedException {
        connect.assertions().assertConnectorIsRunningAndTasksHaveFailed(connector, 1,
                "the task of " + connector + " did not fail");
        return connect.connectorStatus(connector).tasks().stream()
                .filter(t -> "FAILED".equals(t.state())).findFirst().orElseThrow().trace();
    }

    /** Stops the connector's tasks (they close the store, releasing every shard) and waits until it is stopped. */
    public void stopConnector(String connector) throws InterruptedException {
        connect.stopConnector(connector);
        connect.assertions().assertConnectorIsStopped(connector, "connector " + connector + " did not stop");
    }

    /** Resumes a stopped connector (its tasks start and open their partitions). */
    public void resumeConnector(String connector) {
        connect.resumeConnector(connector);
    }

    /** {@code PATCH /connectors/NAME/offsets}: the connector must be stopped. */
    public void alterOffsets(String connector, ConnectorOffsets offsets) {
        connect.alterOffsets(connector, offsets);
    }

    /** {@code DELETE /connectors/NAME/offsets}: the connector must be stopped. */
    public void resetOffsets(String connector) {
        connect.resetOffsets(connector);
    }

    public void deleteConnector(String connector) throws InterruptedException {
        connect.deleteConnector(connector);
        connect.assertions().assertConnectorDoesNotExist(connector, "connector " + connector + " was not deleted");
    }

    /** Reads up to {@code count} records of a topic (the dead letter queue). */
    public List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> consume(String topic, int count) {
        List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
        connect.kafka().consume(count, WAIT_MS, topic).forEach(records::add);
        return records;
    }

    /**
     * The value of a plugin metric of the connector's tasks over JMX (summed over tasks), or
     * NaN when no task has registered it.
     */
    public static double pluginMetric(String connector, String attribute) throws Exception {
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        double sum = Double.NaN;
        for (javax.management.ObjectName name : server.queryNames(new javax.management.ObjectName("kafka.connect:*"), null)) {
            if (!connector.equals(name.getKeyProperty("connector")) || name.getKeyProperty("task") == null) {
                continue;
            }
            for (javax.management.MBeanAttributeInfo info : server.getMBeanInfo(name).getAttributes()) {
                if (info.getName().equals(attribute)) {
                    double value = ((Number) server.getAttribute(name, attribute)).doubleValue();
                    sum = Double.isNaN(sum) ? value : sum + value;
                }
            }
        }
        return sum;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        connect.stop();
    }
}
