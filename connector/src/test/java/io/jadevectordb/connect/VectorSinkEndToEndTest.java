package io.jadevectordb.connect;

import static io.jadevectordb.connect.fixtures.StoreAssertions.assertStoreMatches;
import static io.jadevectordb.connect.fixtures.VectorRecords.document;
import static io.jadevectordb.connect.fixtures.VectorRecords.key;
import static io.jadevectordb.connect.fixtures.VectorRecords.schemaless;
import static io.jadevectordb.connect.fixtures.VectorRecords.vector;
import static io.jadevectordb.connect.fixtures.VectorRecords.withSchema;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.fixtures.Meta;
import io.jadevectordb.connect.fixtures.SinkCluster;
import io.jadevectordb.connect.fixtures.VectorRecords;
import io.jadevectordb.oracle.ExpectedDatabase;
import io.jadevectordb.oracle.ExpectedState;

/**
 * The sink in a real Connect worker against a real broker: mutation streams in every input
 * form, bad records, and the files they leave, checked through the engine, metadata byte for byte.
 */
class VectorSinkEndToEndTest {

    private static SinkCluster cluster;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startCluster() {
        cluster = SinkCluster.start("sink-e2e", 1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void storeUpdateDeleteAndTombstonesLandInSeveralDatabasesOfDifferentDimensions() throws Exception {
        String topic = "mutations";
        String connector = "sink-structs";
        Path dataDir = tmp.resolve("structs");
        int partitions = 3;
        cluster.createTopic(topic, partitions);
        Map<String, Integer> dimensions = Map.of("articles", 8, "images", 4, "tiny", 2);
        List<String> dbs = List.of("articles", "images", "tiny");
        ExpectedState expected = new ExpectedState();
        cluster.configure(connector, SinkCluster.sinkProps(topic, dataDir.toString(), true));
        cluster.awaitRunning(connector, 1);

        long seed = new Random().nextLong();
        System.out.println(connector + " metadata seed " + seed);
        Random random = new Random(seed);
        for (int i = 0; i < 45; i++) {
            String db = dbs.get(i % 3);
            String id = "doc-" + i;
            int partition = Math.floorMod(id.hashCode(), partitions);
            int dim = dimensions.get(db);
            ExpectedDatabase model = expected.database(db);
            Meta meta = Meta.random(random, id, 0);
            cluster.produce(topic, partition, key(db, id), withSchema(db, id, null, vector(id, 0, dim), i % 2 == 0, meta));
            model.store(id, vector(id, 0, dim), meta.structDocument());
            if (i % 4 == 0) {
                // A new vector, half of them without metadata: the stored metadata must then stay.
                Meta update = i % 8 == 0 ? Meta.NONE : Meta.retag(random, id, 1);
                cluster.produce(topic, partition, key(db, id), withSchema(db, id, "UPDATE", vector(id, 1, dim), false, update));
                model.update(id, vector(id, 1, dim), update.structDocument());
            }
            if (i % 3 == 0) {
                // A re-tag: metadata and no vector; the stored vector must stay.
                Meta retag = Meta.retag(random, id, 2);
                cluster.produce(topic, partition, key(db, id), withSchema(db, id, "UPDATE", null, false, retag));
                model.update(id, null, retag.structDocument());
            }
            if (i % 6 == 1) {
                // A STORE without metadata replaces the vector and removes the stored metadata.
                cluster.produce(topic, partition, key(db, id), withSchema(db, id, null, vector(id, 3, dim), false, Meta.NONE));
                model.store(id, vector(id, 3, dim), null);
            }
            if (i % 5 == 0) {
                cluster.produce(topic, partition, key(db, id), withSchema(db, id, "DELETE", null, false,
                        Meta.retag(random, id, 4)));
                expected.delete(db, id);
            } else if (i % 7 == 0) {
                cluster.produce(topic, partition, key(db, id), null);
                expected.delete(db, id);
            }
            if (i % 10 == 0) {
                // Stored again after its DELETE: none of the deleted id's metadata may come back.
                Meta again = i % 20 == 0 ? Meta.NONE : Meta.random(random, id, 5);
                cluster.produce(topic, partition, key(db, id), withSchema(db, id, "store", vector(id, 2, dim), true, again));
                model.store(id, vector(id, 2, dim), again.structDocument());
            }
        }
        cluster.awaitCommitted(connector, topic, partitions);
        Set<String> metricNames = pluginMetricAttributes(connector);
        cluster.stopConnector(connector);

        assertStoreMatches(expected, dataDir);
        assertThat(dataDir.resolve("articles").resolve(topic + "-0.jvdb")).exists();
        assertThat(metricNames).contains("records-applied-store-total", "records-applied-delete-total", "io-retries-total",
                "commit-latency-avg-ms", "force-latency-max-ms", "open-shards");
        cluster.deleteConnector(connector);
    }

    @Test
    void schemalessMapsRoutedByTopicWithStringKeys() throws Exception {
        String topic = "plain";
        String connector = "sink-schemaless";
        Path dataDir = tmp.resolve("schemaless");
        cluster.createTopic(topic, 2);
        Map<String, String> props = SinkCluster.sinkProps(topic, dataDir.toString(), false);
        props.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        props.put("database.routing", "topic");
        props.put("database.topic.template", "emb-${topic}");
        props.put("id.source", "key");
        ExpectedState expected = new ExpectedState();
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 1);

        Random random = new Random(20);
        ExpectedDatabase model = expected.database("emb-plain");
        for (int i = 0; i < 20; i++) {
            String id = "item-" + i;
            int partition = i % 2;
            Meta meta = Meta.random(random, id, 0);
            cluster.produce(topic, partition, id, schemaless(null, null, null, vector(id, 0, 6), i % 3 == 0, meta));
            model.store(id, vector(id, 0, 6), VectorRecords.schemalessDocument(meta));
            if (i % 5 == 2) {
                Meta retag = Meta.retag(random, id, 1);
                cluster.produce(topic, partition, id, schemaless(null, null, "UPDATE", null, false, retag));
                model.update(id, null, VectorRecords.schemalessDocument(retag));
            }
            if (i % 4 == 1) {
                cluster.produce(topic, partition, id, null);
                expected.delete("emb-plain", id);
            }
        }
        cluster.awaitCommitted(connector, topic, 2);
        cluster.stopConnector(connector);

        assertStoreMatches(expected, dataDir);
        cluster.deleteConnector(connector);
    }

    @Test
    void badRecordsGoToTheDeadLetterQueueWithReasonsAndNothingEscapesTheDataDir() throws Exception {
        String topic = "dirty";
        String connector = "sink-tolerant";
        Path root = tmp.resolve("tolerant");
        Path dataDir = root.resolve("data");
        cluster.createTopic(topic, 1);
        Map<String, String> props = SinkCluster.sinkProps(topic, dataDir.toString(), true);
        props.put("errors.tolerance", "all");
        props.put("errors.deadletterqueue.topic.name", "dirty-dlq");
        props.put("errors.deadletterqueue.topic.replication.factor", "1");
        props.put("errors.deadletterqueue.context.headers.enable", "true");
        ExpectedState expected = new ExpectedState();
        cluster.configure(connector, props);
        cluster.awaitRunning(connector, 1);

        cluster.produce(topic, 0, key("good", "a"), withSchema("good", "a", null, vector("a", 0, 4), false));
        expected.database("good").store("a", vector("a", 0, 4), document("a"));
        cluster.produce(topic, 0, key("good", "b"), withSchema("good", "b", null, vector("b", 0, 5), false));
        cluster.produce(topic, 0, key("good", "c"), withSchema("good", "c", null, new float[] {1, Float.NaN, 2, 3}, true));
        cluster.produce(topic, 0, key("good", null), withSchema("good", null, null, vector("x", 0, 4), false));
        cluster.produce(topic, 0, key("good", "d"), withSchema("good", "d", "MERGE", vector("d", 0, 4), false));
        cluster.produce(topic, 0, key("good", "e"), "{this is not json");
        cluster.produce(topic, 0, key("../escape", "f"), withSchema("../escape", "f", null, vector("f", 0, 4), false));
        cluster.produce(topic, 0, key("a/b", "g"), withSchema("a/b", "g", null, vector("g", 0, 4), false));
        cluster.produce(topic, 0, key("..", "h"), withSchema("..", "h", null, vector("h", 0, 4), false));
        cluster.produce(topic, 0, key("good", "missing"), withSchema("good", "missing", "UPDATE", vector("m", 0, 4), false));
        cluster.produce(topic, 0, key("good", "z"), withSchema("good", "z", null, vector("z", 0, 4), false));
        expected.database("good").store("z", vector("z", 0, 4), document("z"));
        cluster.awaitCommitted(connector, topic, 1);

        List<ConsumerRecord<byte[], byte[]>> dead = cluster.consume("dirty-dlq", 9);
        cluster.stopConnector(connector);

        assertThat(dead).hasSize(9);
        List<String> reasons = dead.stream().map(VectorSinkEndToEndTest::reason).collect(Collectors.toList());
        assertThat(reasons).anyMatch(r -> r.contains("offset 1") && r.contains("has dimension 4"))
                .anyMatch(r -> r.contains("offset 2") && r.contains("non-finite") && r.contains("nan.policy=allow"))
                .anyMatch(r -> r.contains("offset 3") && r.contains("no vector id"))
                .anyMatch(r -> r.contains("offset 4") && r.contains("unknown operation"))
                .anyMatch(r -> r.contains("offset 6") && r.contains("field 'database'"))
                .anyMatch(r -> r.contains("offset 9") && r.contains("UPDATE of an id"));
        assertThat(dead).extracting(r -> header(r, "__connect.errors.offset"))
                .containsExactlyInAnyOrder("1", "2", "3", "4", "5", "6", "7", "8", "9");
        try (Stream<Path> siblings = Files.list(root)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).containsExactly("data");
        }
        assertStoreMatches(expected, dataDir);
        cluster.deleteConnector(connector);
    }

    @Test
    void aBadRecordFailsTheTaskWithTopicPartitionOffsetFieldAndFixUnderToleranceNone() throws Exception {
        String topic = "strict";
        String connector = "sink-strict";
        cluster.createTopic(topic, 1);
        cluster.configure(connector, SinkCluster.sinkProps(topic, tmp.resolve("strict").toString(), true));
        cluster.awaitRunning(connector, 1);

        cluster.produce(topic, 0, key("docs", "a"), withSchema("docs", "a", null, vector("a", 0, 3), false));
        cluster.produce(topic, 0, key("docs", "b"), withSchema("docs", "b", null, vector("b", 0, 7), false));
        String trace = cluster.awaitFailedTaskTrace(connector);

        assertThat(trace).contains("topic strict partition 0 offset 1", "field 'vector'", "has dimension 3", "fix:",
                "errors.tolerance=all");
        cluster.deleteConnector(connector);
    }

    /** The source offset and the reason Connect recorded in a dead letter queue record's headers. */
    private static String reason(ConsumerRecord<byte[], byte[]> record) {
        return "offset " + header(record, "__connect.errors.offset") + ": "
                + header(record, "__connect.errors.exception.message");
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Attribute names of the MBeans the worker registered for the connector's plugin metrics. */
    private static Set<String> pluginMetricAttributes(String connector) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        Set<String> names = new TreeSet<>();
        for (ObjectName name : server.queryNames(new ObjectName("kafka.connect:*"), null)) {
            if (connector.equals(name.getKeyProperty("connector")) && name.getKeyProperty("task") != null) {
                for (var attribute : server.getMBeanInfo(name).getAttributes()) {
                    names.add(attribute.getName());
                }
            }
        }
        return names;
    }
}
