package io.jadevectordb.connect.offsets;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

import io.jadevectordb.engine.SourcePartition;

/**
 * Where a record came from in Kafka, before any SMT renamed its topic (KIP-793): the topic
 * partition the consumer read and the offset within it. Offsets are tracked and committed in
 * these terms, and they name the shard files the partition feeds.
 *
 * @param partition the original topic partition
 * @param offset    the original offset
 */
public record KafkaPosition(TopicPartition partition, long offset) {

    /** Whether the worker's SinkRecord has the KIP-793 accessors (Kafka 3.6+); looked up once. */
    private static final boolean HAS_ORIGINAL_POSITION = hasOriginalPosition();

    private static boolean hasOriginalPosition() {
        try {
            SinkRecord.class.getMethod("originalKafkaOffset");
            return true;
        } catch (NoSuchMethodException olderWorker) {
            return false;
        }
    }

    /** The original position of {@code record}, or the current one on workers older than Kafka 3.6. */
    public static KafkaPosition of(SinkRecord record) {
        if (HAS_ORIGINAL_POSITION) {
            return new KafkaPosition(new TopicPartition(record.originalTopic(), record.originalKafkaPartition()),
                    record.originalKafkaOffset());
        }
        return new KafkaPosition(new TopicPartition(record.topic(), record.kafkaPartition()), record.kafkaOffset());
    }

    /** The engine source this partition is. */
    public static SourcePartition source(TopicPartition partition) {
        return new SourcePartition(partition.topic(), partition.partition());
    }

    @Override
    public String toString() {
        return "topic " + partition.topic() + " partition " + partition.partition() + " offset " + offset;
    }
}
