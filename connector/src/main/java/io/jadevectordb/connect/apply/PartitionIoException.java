package io.jadevectordb.connect.apply;

import java.io.IOException;

import org.apache.kafka.common.TopicPartition;

/**
 * An I/O failure applying one partition's batch, naming the partition: a batch applied on the
 * background thread fails on the task thread, which must charge the failure to that partition's
 * retry window ({@link IoRetryWindow}), not to another's.
 */
final class PartitionIoException extends IOException {

    private final TopicPartition partition;

    PartitionIoException(TopicPartition partition, IOException cause) {
        super(partition + ": " + cause.getMessage(), cause);
        this.partition = partition;
    }

    TopicPartition partition() {
        return partition;
    }

    /** The engine's exception. */
    IOException io() {
        return (IOException) getCause();
    }
}
