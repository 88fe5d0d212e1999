package io.jadevectordb.connect;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Catches a log that no longer holds what the shards' checkpoint assumes, from the first
 * records a partition delivers after {@code open()} sought past its checkpoint:
 * <ul>
 *   <li>a first record at or below the checkpoint means the consumer could not seek there (the
 *   log ends before it, so Connect's reset policy moved it back): the topic was deleted and
 *   recreated, or its log replaced. Without this check those records would look already
 *   applied and be skipped silently, forever;</li>
 *   <li>a first record past the offset after the checkpoint is a gap, normal in a compacted or
 *   transactional topic; but when the log now starts past that offset (its consumer's
 *   {@code records-lead} tells where), records the shards never got were deleted by retention
 *   or {@code DeleteRecords}, and the state would silently miss them.</li>
 * </ul>
 * Both fail the task with the fix, or, under {@code recreated.topic.behavior=rebuild}, tell the
 * task to rebuild the partition from its log as it is now.
 */
final class ResumeCheck {

    private static final Logger log = LoggerFactory.getLogger(ResumeCheck.class);

    /** Checkpoint of each partition opened at one and not yet read from. */
    private final Map<TopicPartition, Long> awaitingFirst = new HashMap<>();
    /** The consumer's distance from the log start to its position, per partition; negative when unknown. */
    private final RestoreProgress.Lag lead;

    ResumeCheck(RestoreProgress.Lag lead) {
        this.lead = lead;
    }

    /** The partition resumes after {@code checkpoint}: check the first records it delivers. */
    void resumed(TopicPartition partition, long checkpoint) {
        awaitingFirst.put(partition, checkpoint);
    }

    void closed(TopicPartition partition) {
        awaitingFirst.remove(partition);
    }

    /**
     * Checks the first records of each partition awaiting them in a {@code put()} batch, before
     * any of them is handled.
     *
     * @return the first record of each partition to rebuild (only with {@code rebuild})
     * @throws ConnectException naming the partition, the offsets and the fix, without {@code rebuild}
     */
    List<KafkaPosition> check(Collection<SinkRecord> records, String dataDir, boolean rebuild) {
        if (awaitingFirst.isEmpty() || records.isEmpty()) {
            return List.of();
        }
        Map<TopicPartition, KafkaPosition> first = new LinkedHashMap<>();
        Map<TopicPartition, Long> last = new HashMap<>();
        for (SinkRecord record : records) {
            KafkaPosition position = KafkaPosition.of(record);
            if (awaitingFirst.containsKey(position.partition())) {
                first.putIfAbsent(position.partition(), position);
                last.merge(position.partition(), position.offset(), Math::max);
            }
        }
        List<KafkaPosition> toRebuild = new ArrayList<>();
        for (KafkaPosition position : first.values()) {
            TopicPartition tp = position.partition();
            long checkpoint = awaitingFirst.remove(tp);
            String problem = problem(position, checkpoint, last.get(tp), dataDir);
            if (problem != null && rebuild) {
                toRebuild.add(position);
            } else if (problem != null) {
                throw new ConnectException(problem + " If the old data should stay instead, point "
                        + VectorSinkConfig.DATA_DIR_CONFIG + " or the topic elsewhere. To rebuild such partitions from "
                        + "the log as it is without stopping, set " + VectorSinkConfig.RECREATED_TOPIC_BEHAVIOR_CONFIG
                        + "=rebuild");
            }
        }
        return toRebuild;
    }

    /** What is wrong with a partition's first record since its resume, or null. */
    private String problem(KafkaPosition position, long checkpoint, long lastInBatch, String dataDir) {
        TopicPartition tp = position.partition();
        String rebuildByHand = " To rebuild from the log as it is: stop the connector and reset the partition's offsets "
                + "(DELETE /connectors/NAME/offsets, where " + VectorSinkConfig.OFFSETS_RESET_CONFIG + " accepts it), or "
                + "move the partition's shard files (" + dataDir + "/*/" + KafkaPosition.source(tp).shardFileName()
                + "*) aside; then resume it: the partition is replayed from its earliest offset.";
        if (position.offset() <= checkpoint) {
            return "JadeVectorDB sink: " + tp + " resumed after its shard checkpoint " + checkpoint + " (offset "
                    + (checkpoint + 1) + ") but its first record is at offset " + position.offset() + ": the topic's "
                    + "offsets started again below what the shards hold (the topic was deleted and recreated, or its "
                    + "log was replaced). Records up to offset " + checkpoint + " would be skipped as already applied, "
                    + "so the task stops." + rebuildByHand;
        }
        if (position.offset() == checkpoint + 1) {
            return null;
        }
        long recordsLead = lead.recordsLeft(tp);
        if (recordsLead < 0) {
            log.warn("{}: resumed after its shard checkpoint {} but its first record is at offset {}: a gap, normal in a "
                    + "compacted topic; whether retention deleted records there cannot be checked without the "
                    + "consumer's records-lead metric over JMX", tp, checkpoint, position.offset());
            return null;
        }
        long logStart = lastInBatch + 1 - recordsLead;
        if (logStart <= checkpoint + 1) {
            return null; // a compacted or transactional gap: nothing the shards need was deleted
        }
        return "JadeVectorDB sink: " + tp + " resumed after its shard checkpoint " + checkpoint + " but its log now "
                + "starts at offset " + logStart + ": records " + (checkpoint + 1) + ".." + (logStart - 1) + " were "
                + "deleted (retention.ms/retention.bytes, or DeleteRecords) before the sink applied them, so the shards "
                + "would silently miss them and the task stops. Keep the topic compacted or its retention unlimited."
                + rebuildByHand;
    }
}
