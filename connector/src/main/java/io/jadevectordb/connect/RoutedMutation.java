package io.jadevectordb.connect;

import org.apache.kafka.connect.sink.SinkRecord;

import io.jadevectordb.engine.Mutation;

/**
 * A record turned into one engine mutation, with where it goes (the database) and where it
 * came from (its original Kafka position, whose offset is the mutation's source offset).
 *
 * @param database database name, not yet validated (the engine validates names)
 * @param mutation the change, tagged with the original Kafka offset
 * @param position original topic partition and offset (KIP-793)
 * @param record   the record itself, kept for the dead letter queue
 */
public record RoutedMutation(String database, Mutation mutation, KafkaPosition position, SinkRecord record) {

    /** Approximate heap held by this mutation while buffered. */
    public long approximateBytes() {
        float[] vector = mutation.vector();
        return 64L + 2L * mutation.id().length() + (vector == null ? 0 : 16L + 4L * vector.length);
    }
}
