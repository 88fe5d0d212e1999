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
 * <p>Metadata ({@link SampleMetadata.Mode}, {@code TAGS} by default): records with a vector carry
 * a model, a timestamp, a title and a language (some null); some STOREs carry none (which drops
 * what the id had), some UPDATEs replace only the vector (which keeps the stored metadata), and
 * some UPDATEs are re-tags: a new title and language and no vector (which keeps the vector).
 * Records are written with {@link #schema()}: the given schema plus the optional fields the mode
 * needs, so producers must register that one.
 *
 * <p>Records are keyed by id, so every mutation of an id lands in one partition, in order.
 */
public final class MutationWorkload {

    /** One record to produce: topic, key, and an Avro value (null for a tombstone). */
    public record Item(String topic, String key, GenericRecord value) {
    }

    private final Schema schema;
    private final SampleMetadata.Mode metadata;
    private final Map<String, Integer> dimensions;
    private final int idsPerDatabase;
    private final Random random;
    private final Map<String, Set<String>> live = new LinkedHashMap<>();
    private final List<String> topics;

    /** A workload with {@link SampleMetadata.Mode#TAGS} metadata. */
    public MutationWorkload(Schema schema, Map<String, Integer> dimensions, int idsPerDatabase, long seed) {
        this(schema, dimensions, idsPerDatabase, seed, SampleMetadata.Mode.TAGS);
    }

    /**
     * @param schema         the value schema ({@code schemas/vector_mutation.avsc}); extended with the
     *                       optional fields {@code metadata} needs when it lacks them (see {@link #schema()})
     * @param dimensions     topic (= database) -> dimension
     * @param idsPerDatabase size of each database's id space
     * @param seed           makes the stream reproducible
     * @param metadata       how much metadata the records carry
     */
    public MutationWorkload(Schema schema, Map<String, Integer> dimensions, int idsPerDatabase, long seed,
                            SampleMetadata.Mode metadata) {
        this.schema = SampleMetadata.extend(schema, metadata);
        this.metadata = metadata;
        this.dimensions = dimensions;
        this.idsPerDatabase = idsPerDatabase;
        this.random = new Random(seed);
        this.topics = new ArrayList<>(dimensions.keySet());
        topics.forEach(t -> live.put(t, new HashSet<>()));
    }

    /** The schema every record is written with: the given one plus the mode's optional fields. */
    public Schema schema() {
        return schema;
    }

    /** The next mutation. */
    public Item next() {
        String topic = topics.get(random.nextInt(topics.size()));
        String id = topic + "-doc-" + random.nextInt(idsPerDatabase);
        int dimension = dimensions.get(topic);
        Set<String> liveIds = live.get(topic);
        if (!liveIds.contains(id)) {
            liveIds.add(id);
            return new Item(topic, id, record(id, "STORE", dimension, true));
        }
        int roll = random.nextInt(100);
        if (roll < 35) {
            // One STORE in ten without metadata: a STORE replaces the metadata too, so the id ends with none.
            return new Item(topic, id, record(id, "STORE", dimension, roll >= 3));
        }
        if (roll < 75) {
            if (metadata != SampleMetadata.Mode.NONE && roll < 41) {
                return new Item(topic, id, retag(id));
            }
            // Some UPDATEs re-embed only: no metadata, so the stored metadata stays.
            return new Item(topic, id, record(id, "UPDATE", dimension, roll >= 47));
        }
        liveIds.remove(id);
        if (roll < 90) {
            return new Item(topic, id, record(id, "DELETE", 0, false));
        }
        return new Item(topic, id, null);
    }

    private GenericRecord record(String id, String op, int dimension, boolean withMetadata) {
        GenericRecord r = header(id, op);
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
            if (withMetadata) {
                SampleMetadata.fill(r, metadata, random);
            }
        }
        return r;
    }

    /** An UPDATE with a new title and language and no vector: changes the metadata, keeps the vector. */
    private GenericRecord retag(String id) {
        GenericRecord r = header(id, "UPDATE");
        SampleMetadata.retag(r, random);
        return r;
    }

    private GenericRecord header(String id, String op) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", id);
        r.put("op", new GenericData.EnumSymbol(schema.getField("op").schema(), op));
        return r;
    }
}
