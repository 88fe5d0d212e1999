package io.jadevectordb.connect.apply;

import org.apache.kafka.connect.sink.SinkRecord;

import io.jadevectordb.connect.offsets.KafkaPosition;
import io.jadevectordb.engine.Mutation;

/**
 * A record turned into one engine mutation, with where it goes (the database) and where it
 * came from (its original Kafka position, whose offset is the mutation's source offset).
 *
 * @param database database name, not yet validated (the engine validates names)
 * @param mutation the change, tagged with the original Kafka offset
 * @param position original topic partition and offset (KIP-793)
 * @param record   the record itself, kept for the dead letter queue only when applying the
 *                 mutation can reject it (an UPDATE under {@code update.missing.policy=reject});
 *                 null otherwise, so that a buffered STORE holds its vector (float[] or bytes) and not the
 *                 converted value (a boxed {@code List<Float>} is six times larger)
 */
public record RoutedMutation(String database, Mutation mutation, KafkaPosition position, SinkRecord record) {

    /** Approximate heap held by this mutation while buffered: vector, metadata, and the retained record. */
    long approximateBytes() {
        byte[] metadata = mutation.metadata();
        // 200: this record, the Mutation, the position and its TopicPartition, the id's String.
        // The vector's array: a float[] or, for bytes, the byte[] RecordMapper made sure spans exactly the vector
        // (plus the two small ByteBuffer views of it, within the 200).
        return 200L + 2L * mutation.id().length() + (mutation.hasVector() ? 16L + 4L * mutation.vectorLength() : 0)
                + (metadata == null ? 0 : 16L + metadata.length) + RecordFootprint.estimate(record);
    }
}
