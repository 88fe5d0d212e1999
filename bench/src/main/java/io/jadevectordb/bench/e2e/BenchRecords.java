package io.jadevectordb.bench.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import io.jadevectordb.testkit.ApicurioRegistry;
import io.jadevectordb.testkit.ConfluentAvroProducer;
import io.jadevectordb.testkit.ExpectedMetadata;
import io.jadevectordb.testkit.PipelineConfig;
import io.jadevectordb.testkit.SampleMetadata;

/**
 * The records every end-to-end configuration reads: STORE of doc-i, vector as array&lt;float&gt;
 * (256 distinct vectors of one seeded generator), keyed by id; with {@code databases > 0} the
 * database field spreads them round-robin over db-0..db-(n-1). With
 * {@link SampleMetadata.Mode#KIB} the producer writes with the shipped schema plus the optional
 * fields of a richer document, about 1 KiB of metadata per record (the {@code fastpath-meta}
 * configuration); the vectors are the same as without.
 */
final class BenchRecords {

    /** What was produced: the bytes of all values, and the mean metadata the sink should keep per record. */
    record Produced(long valueBytes, double metadataBytesPerRecord) {
    }

    private BenchRecords() {
    }

    static Produced produce(Path repo, String bootstrap, ApicurioRegistry registry, String topic, long count, int dimension,
                            int databases, SampleMetadata.Mode metadata) throws Exception {
        Schema shipped = new Schema.Parser().parse(Files.readString(repo.resolve("schemas/vector_mutation.avsc")));
        Schema schema = SampleMetadata.extend(shipped, metadata);
        int schemaId = new ConfluentAvroProducer(registry.confluentApiUrl()).register(topic + "-value", schema);
        long valueBytes = 0;
        long metadataBytes = 0;
        SplittableRandom random = new SplittableRandom(2026);
        Random metadataRandom = new Random(2027);
        List<List<Float>> distinct = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            List<Float> v = new ArrayList<>(dimension);
            for (int d = 0; d < dimension; d++) {
                v.add((float) (random.nextDouble() * 2 - 1));
            }
            distinct.add(v);
        }
        long t = System.nanoTime();
        Map<String, Object> tuning = Map.of(ProducerConfig.LINGER_MS_CONFIG, "10",
                ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(1 << 20), ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 << 20));
        try (KafkaProducer<String, byte[]> producer = PipelineConfig.producer(bootstrap, tuning)) {
            for (int i = 0; i < count; i++) {
                GenericRecord r = new GenericData.Record(schema);
                String id = "doc-" + i;
                r.put("id", id);
                if (databases > 0) {
                    r.put("database", "db-" + (i % databases));
                }
                r.put("op", new GenericData.EnumSymbol(schema.getField("op").schema(), "STORE"));
                r.put("vector", distinct.get(i & 255));
                if (metadata != SampleMetadata.Mode.NONE) {
                    SampleMetadata.fill(r, metadata, metadataRandom);
                    // Every field a producer could leave null is set here, so each record carries the whole document.
                    r.put("title", r.get("title") == null ? "untitled" : r.get("title"));
                    r.put("language", r.get("language") == null ? "en" : r.get("language"));
                    byte[] document = ExpectedMetadata.of(r);
                    metadataBytes += document == null ? 0 : document.length;
                }
                byte[] value = ConfluentAvroProducer.serialize(schemaId, schema, r);
                valueBytes += value.length;
                producer.send(new ProducerRecord<>(topic, id, value));
            }
            producer.flush();
        }
        double perRecord = count == 0 ? 0 : (double) metadataBytes / count;
        System.out.printf("  produced %,d records to %s (%.1f MB of values%s) in %.1f s%n", count, topic, valueBytes / 1e6,
                metadata == SampleMetadata.Mode.NONE ? "" : String.format(", %.0f bytes of metadata per record", perRecord),
                (System.nanoTime() - t) / 1e9);
        return new Produced(valueBytes, perRecord);
    }
}
