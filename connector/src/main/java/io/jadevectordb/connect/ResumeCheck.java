package io.jadevectordb.connect;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * Catches a topic whose offsets started again below what the shards hold: the first record a
 * partition delivers after {@code open()} sought past its shard checkpoint must lie after that
 * checkpoint. One at or below it means the consumer could not seek there (the log ends before
 * the checkpoint, so Connect's reset policy moved it back), which happens when the topic was
 * deleted and recreated, or its log was replaced. Without this check the records below the
 * checkpoint would look already applied and be skipped silently, forever.
 */
final class ResumeCheck {

    /** Checkpoint of each partition opened at one and not yet read from. */
    private final Map<TopicPartition, Long> awaitingFirst = new HashMap<>();

    /** The partition resumes after {@code checkpoint}: check the first record it delivers. */
    void resumed(TopicPartition partition, long checkpoint) {
        awaitingFirst.put(partition, checkpoint);
    }

    void closed(TopicPartition partition) {
        awaitingFirst.remove(partition);
    }

    /**
     * Checks a delivered record's position.
     *
     * @return true when it is the partition's first record since the resume and lies at or
     *         below the checkpoint, and {@code rebuild} is set: the caller rebuilds the partition
     * @throws ConnectException in that case when {@code rebuild} is not set
     */
    boolean check(KafkaPosition position, String dataDir, boolean rebuild) {
        if (awaitingFirst.isEmpty()) {
            return false;
        }
        Long checkpoint = awaitingFirst.remove(position.partition());
        if (checkpoint == null || position.offset() > checkpoint) {
            return false;
        }
        if (rebuild) {
            return true;
        }
        TopicPartition tp = position.partition();
        throw new ConnectException("JadeVectorDB sink: " + tp + " resumed after its shard checkpoint " + checkpoint
                + " (offset " + (checkpoint + 1) + ") but its first record is at offset " + position.offset()
                + ": the topic's offsets started again below what the shards hold (the topic was deleted and "
                + "recreated, or its log was replaced). Records up to offset " + checkpoint + " would be skipped as "
                + "already applied, so the task stops. To rebuild from the new topic: stop the connector and reset the "
                + "partition's offsets (DELETE /connectors/NAME/offsets, where " + VectorSinkConfig.OFFSETS_RESET_CONFIG
                + " accepts it), or move the partition's shard files (" + dataDir + "/*/" + KafkaPosition.source(tp).shardFileName()
                + "*) aside; then resume it: the partition is replayed from its earliest offset. If the old data "
                + "should stay instead, point " + VectorSinkConfig.DATA_DIR_CONFIG + " or the topic elsewhere. To rebuild "
                + "such partitions without stopping, set " + VectorSinkConfig.RECREATED_TOPIC_BEHAVIOR_CONFIG + "=rebuild");
    }
}
