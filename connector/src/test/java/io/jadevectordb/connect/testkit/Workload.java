package io.jadevectordb.connect.testkit;

import static io.jadevectordb.connect.testkit.VectorRecords.key;
import static io.jadevectordb.connect.testkit.VectorRecords.withSchema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A random but replayable stream of mutations (STORE, UPDATE of live ids, DELETE by op and by
 * tombstone) over a pool of ids spread across databases of different dimensions, produced
 * keyed by id (an id stays in one partition) and mirrored in an {@link ExpectedState}.
 */
public final class Workload {

    /** Where the mutations go: one record to an explicit partition, sent synchronously; a null value is a tombstone. */
    @FunctionalInterface
    public interface Producer {
        void send(String topic, int partition, String key, String value);
    }

    private final Producer producer;
    private final String topic;
    private final int partitions;
    private final Random random;
    private final Map<String, Integer> dimensions;
    private final List<String> databases;
    private final ExpectedState expected = new ExpectedState();
    private final Map<String, Integer> versions = new HashMap<>();
    private final long seed;

    public Workload(SinkCluster cluster, String topic, int partitions, long seed, Map<String, Integer> dimensions) {
        this(cluster::produce, topic, partitions, seed, dimensions);
    }

    /** A workload sent through {@code producer} (a broker outside the test JVM, say). */
    public Workload(Producer producer, String topic, int partitions, long seed, Map<String, Integer> dimensions) {
        this.producer = producer;
        this.topic = topic;
        this.partitions = partitions;
        this.seed = seed;
        this.random = new Random(seed);
        this.dimensions = dimensions;
        this.databases = new ArrayList<>(dimensions.keySet());
        this.databases.sort(null);
    }

    /** The seed, for failure messages: the same seed produces the same stream. */
    public long seed() {
        return seed;
    }

    public ExpectedState expected() {
        return expected;
    }

    /** Produces {@code count} more mutations. */
    public void produce(int count) {
        for (int i = 0; i < count; i++) {
            int n = random.nextInt(60);
            String db = databases.get(n % databases.size());
            String id = db + "-id-" + n;
            int partition = Math.floorMod(id.hashCode(), partitions);
            int dim = dimensions.get(db);
            int version = versions.merge(id, 1, Integer::sum);
            float[] vector = VectorRecords.vector(id, version, dim);
            int roll = random.nextInt(10);
            if (roll < 5) {
                producer.send(topic, partition, key(db, id), withSchema(db, id, null, vector, random.nextBoolean()));
                expected.store(db, id, vector);
            } else if (roll < 7 && expected.contains(db, id)) {
                producer.send(topic, partition, key(db, id), withSchema(db, id, "UPDATE", vector, false));
                expected.update(db, id, vector);
            } else if (roll < 9) {
                producer.send(topic, partition, key(db, id), withSchema(db, id, "DELETE", null, false));
                expected.delete(db, id);
            } else {
                producer.send(topic, partition, key(db, id), null);
                expected.delete(db, id);
            }
        }
    }
}
