package io.jadevectordb.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.jadevectordb.oracle.ExpectedDatabase;
import io.jadevectordb.oracle.ExpectedState;

/**
 * The state the topics describe, computed from the topics themselves: every record read back
 * with a plain consumer, decoded, and applied in partition order to the shared oracle
 * ({@link ExpectedState}; database = topic, tombstones delete, as the shipped config says).
 *
 * <p>Metadata as the shipped config keeps it ({@code metadata.fields=all}), computed by
 * {@link ExpectedMetadata} from the contract, not by the connector's code. STORE sets vector and
 * metadata (none when the record carries none); UPDATE replaces the vector when it carries one and
 * the metadata when it carries any, so a re-tag keeps the vector and a vector-only UPDATE keeps the
 * metadata; DELETE and tombstones remove both. A record the sink must reject (a STORE without a
 * vector, an UPDATE with neither) changes nothing, as it goes to the dead letter queue.
 */
public final class TopicState {

    private TopicState() {
    }

    /**
     * The expected state of everything in {@code topics} up to their end offsets now; every topic
     * is a database.
     *
     * @param schema the schema every value was written with (e.g. {@link MutationWorkload#schema()})
     */
    public static ExpectedState read(String bootstrapServers, Collection<String> topics, Schema schema) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        ExpectedState state = new ExpectedState();
        GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(schema);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic).forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
                state.database(topic);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() >= end.get(new TopicPartition(record.topic(), record.partition()))) {
                        continue;
                    }
                    apply(state.database(record.topic()), record, reader);
                }
            }
        }
        return state;
    }

    static void apply(ExpectedDatabase db, ConsumerRecord<String, byte[]> record, GenericDatumReader<GenericRecord> reader) {
        if (record.value() == null) {
            db.delete(record.key());
            return;
        }
        GenericRecord value;
        try {
            byte[] bytes = record.value();
            value = reader.read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        } catch (IOException e) {
            throw new IllegalStateException("undecodable record " + record.topic() + "-" + record.partition() + "@" + record.offset(), e);
        }
        String id = value.get("id").toString();
        String op = value.get("op").toString();
        if (op.equals("DELETE")) {
            db.delete(id);
            return;
        }
        float[] vector = vector(value);
        byte[] metadata = ExpectedMetadata.of(value);
        if (op.equals("UPDATE")) {
            if (vector != null || metadata != null) {
                db.update(id, vector, metadata);
            }
        } else if (vector != null) {
            db.store(id, vector, metadata);
        }
    }

    /** The record's vector, or null when it carries none. */
    private static float[] vector(GenericRecord value) {
        Object array = value.get("vector");
        if (array != null) {
            @SuppressWarnings("unchecked")
            List<Float> list = (List<Float>) array;
            float[] v = new float[list.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = list.get(i);
            }
            return v;
        }
        if (value.get("vector_bytes") == null) {
            return null;
        }
        ByteBuffer bytes = ((ByteBuffer) value.get("vector_bytes")).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(v);
        return v;
    }
}
