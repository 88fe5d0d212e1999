package io.jadevectordb.testkit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * A realistic, reproducible stream of vector mutations: several databases (one topic each,
 * each with its own dimension), ids drawn with repeats so they are stored, updated, deleted
 * and stored again, deletes sent both as {@code op=DELETE} records and as tombstones, vectors
 * sent both as {@code vector} arrays and as {@code vector_bytes}.
 *
 * <p>Records are keyed by id, so every mutation of an id lands in one partition, in order.
 */
public final class MutationWorkload {

    /** One record to produce: topic, key, and an Avro value (null for a tombstone). */
    public record Item(String topic, String key, GenericRecord value) {
    }

    private final Schema schema;
    private final Map<String, Integer> dimensions;
    private final int idsPerDatabase;
    private final Random random;
    private final Map<String, Set<String>> live = new LinkedHashMap<>();
    private final List<String> topics;

    /**
     * @param schema         the value schema ({@code schemas/vector_mutation.avsc})
     * @param dimensions     topic (= database) -> dimension
     * @param idsPerDatabase size of each database's id space
     * @param seed           makes the stream reproducible
     */
    public MutationWorkload(Schema schema, Map<String, Integer> dimensions, int idsPerDatabase, long seed) {
        this.schema = schema;
        this.dimensions = dimensions;
        this.idsPerDatabase = idsPerDatabase;
        this.random = new Random(seed);
        this.topics = new ArrayList<>(dimensions.keySet());
        topics.forEach(t -> live.put(t, new HashSet<>()));
    }

    /** The next mutation. */
    public Item next() {
        String topic = topics.get(random.nextInt(topics.size()));
        String id = topic + "-doc-" + random.nextInt(idsPerDatabase);
        Set<String> liveIds = live.get(topic);
        if (!liveIds.contains(id)) {
            liveIds.add(id);
            return new Item(topic, id, record(id, "STORE", dimensions.get(topic)));
        }
        int roll = random.nextInt(100);
        if (roll < 35) {
            return new Item(topic, id, record(id, "STORE", dimensions.get(topic)));
        }
        if (roll < 75) {
            return new Item(topic, id, record(id, "UPDATE", dimensions.get(topic)));
        }
        liveIds.remove(id);
        if (roll < 90) {
            return new Item(topic, id, record(id, "DELETE", 0));
        }
        return new Item(topic, id, null);
    }

    private GenericRecord record(String id, String op, int dimension) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", id);
        r.put("op", new GenericData.EnumSymbol(schema.getField("op").schema(), op));
        if (dimension > 0) {
            float[] v = new float[dimension];
            for (int i = 0; i < dimension; i++) {
                v[i] = (float) random.nextGaussian();
            }
            if (random.nextBoolean()) {
                List<Float> list = new ArrayList<>(dimension);
                for (float f : v) {
                    list.add(f);
                }
                r.put("vector", list);
            } else {
                ByteBuffer bytes = ByteBuffer.allocate(dimension * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(v);
                r.put("vector_bytes", bytes);
            }
            r.put("model", "workload-gaussian@1");
            r.put("source_timestamp_ms", System.currentTimeMillis());
        }
        return r;
    }
}
