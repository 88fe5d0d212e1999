package io.jadevectordb.connect.offsets;

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

import io.jadevectordb.connect.VectorSinkConfig;

/**
 * Catches a log that no longer holds what the shards assume, from the offsets it delivers: in
 * the first batch after {@code open()} sought past a checkpoint, and on every batch after it,
 * each offset compared with the one expected next (the offset after the last record delivered).
 * <ul>
 *   <li>Offsets that go back: a first record after a resume at or below the checkpoint (the log
 *   ends before it, so the consumer's reset policy moved it back), or, mid-stream, a record below
 *   what was delivered (Connect delivers a batch again only when {@code put()} threw, and
 *   rewinds to its committed offsets only after a failed {@code preCommit}). The topic was
 *   deleted and recreated, or its log replaced; without this check those records would look
 *   already applied and be skipped silently, forever.</li>
 *   <li>Offsets that jump (a gap): normal in a compacted or transactional topic, and where an
 *   SMT or Connect dropped records; but when the log now starts past the offset expected, records
 *   the shards never got were deleted by retention or {@code DeleteRecords} (also when the task
 *   fell behind retention mid-stream: the consumer's position fell off the log and its reset
 *   policy moved it to the new start). Where the log starts comes from the consumer's
 *   {@code records-lead} metric; when it cannot be read, the gap passes with a warning, once
 *   per partition, naming the partition and the offsets.</li>
 * </ul>
 * Both fail the task with the fix, or, under {@code recreated.topic.behavior=rebuild}, tell the
 * task to rebuild the partition from its log as it is now. Used on the task thread only.
 */
public final class ResumeCheck {

    private static final Logger log = LoggerFactory.getLogger(ResumeCheck.class);

    /** What is known of one partition's offsets since it was opened. */
    private static final class Track {
        /** The checkpoint the partition resumed after, while its first record is awaited; else -1. */
        long checkpoint = -1;
        /** The offset after the last record delivered; -1 before the first. */
        long expected = -1;
        /** The first offset of the latest batch: a redelivery starts here again. */
        long batchFirst = -1;
        /** The latest batch was not handled in full ({@code put()} threw): Connect may deliver it again. */
        boolean redeliverable;
        /** The lowest offset a rewind by Connect can go to (its committed offset is never below it). */
        long floor = -1;
        /** Connect rewound to its committed offsets (a failed {@code preCommit}) since the last batch. */
        boolean rewound;
        /** A gap that could not be checked was logged. */
        boolean warned;
    }

    private final Map<TopicPartition, Track> tracks = new HashMap<>();
    /** The consumer's distance from the log start to its position, per partition; negative when unknown. */
    private final RestoreProgress.Lag lead;

    public ResumeCheck(RestoreProgress.Lag lead) {
        this.lead = lead;
    }

    /** The partition resumes after {@code checkpoint}: check the first records it delivers. */
    public void resumed(TopicPartition partition, long checkpoint) {
        Track t = new Track();
        t.checkpoint = checkpoint;
        t.floor = checkpoint + 1;
        tracks.put(partition, t);
    }

    public void closed(TopicPartition partition) {
        tracks.remove(partition);
    }

    /** The batch last checked was handled in full: Connect will not deliver it again. */
    public void handled() {
        tracks.values().forEach(t -> t.redeliverable = false);
    }

    /**
     * Connect rewinds every partition to its last committed offset after a {@code preCommit}
     * failed: offsets down to the resume point are then expected again.
     */
    public void rewound() {
        tracks.values().forEach(t -> t.rewound = true);
    }

    /**
     * Checks the offsets of every partition in a {@code put()} batch, before any record is handled.
     *
     * @return the first record of each partition to rebuild (only with {@code rebuild})
     * @throws ConnectException naming the partition, the offsets and the fix, without {@code rebuild}
     */
    public List<KafkaPosition> check(Collection<SinkRecord> records, String dataDir, boolean rebuild) {
        if (records.isEmpty()) {
            return List.of();
        }
        Map<TopicPartition, List<Long>> offsets = new LinkedHashMap<>();
        for (SinkRecord record : records) {
            KafkaPosition position = KafkaPosition.of(record);
            offsets.computeIfAbsent(position.partition(), tp -> new ArrayList<>()).add(position.offset());
        }
        List<KafkaPosition> toRebuild = new ArrayList<>();
        for (Map.Entry<TopicPartition, List<Long>> e : offsets.entrySet()) {
            TopicPartition tp = e.getKey();
            String problem = null;
            long at = -1;
            Track t = tracks.computeIfAbsent(tp, p -> new Track());
            List<Long> delivered = e.getValue();
            long lastInBatch = delivered.get(delivered.size() - 1);
            for (int i = 0; i < delivered.size() && problem == null; i++) {
                long offset = delivered.get(i);
                at = offset;
                problem = i == 0 ? first(tp, t, offset, lastInBatch, dataDir) : next(tp, t, offset, lastInBatch, dataDir);
                t.expected = Math.max(t.expected, offset + 1);
            }
            t.batchFirst = delivered.get(0);
            t.redeliverable = true;
            t.rewound = false;
            t.checkpoint = -1;
            if (t.floor < 0) {
                t.floor = delivered.get(0);
            }
            if (problem != null && rebuild) {
                // Rebuilt from that record: it is the resume point from now on.
                toRebuild.add(new KafkaPosition(tp, at));
                t.floor = at;
                t.expected = lastInBatch + 1;
            } else if (problem != null) {
                throw new ConnectException(problem + " If the old data should stay instead, point "
                        + VectorSinkConfig.DATA_DIR_CONFIG + " or the topic elsewhere. To rebuild such partitions from "
                        + "the log as it is without stopping, set " + VectorSinkConfig.RECREATED_TOPIC_BEHAVIOR_CONFIG
                        + "=rebuild");
            }
        }
        return toRebuild;
    }

    /** What is wrong with the first record of a partition in a batch, or null. */
    private String first(TopicPartition tp, Track t, long offset, long lastInBatch, String dataDir) {
        if (t.checkpoint >= 0) {
            if (offset <= t.checkpoint) {
                return "JadeVectorDB sink: " + tp + " resumed after its shard checkpoint " + t.checkpoint + " (offset "
                        + (t.checkpoint + 1) + ") but its first record is at offset " + offset + ": the topic's "
                        + "offsets started again below what the shards hold (the topic was deleted and recreated, or its "
                        + "log was replaced). Records up to offset " + t.checkpoint + " would be skipped as already "
                        + "applied, so the task stops." + rebuildByHand(tp, dataDir);
            }
            return offset == t.checkpoint + 1 ? null : gap(tp, t, offset, lastInBatch, dataDir,
                    "resumed after its shard checkpoint " + t.checkpoint);
        }
        if (t.expected < 0 || offset == t.expected) {
            return null;
        }
        if (offset > t.expected) {
            return gap(tp, t, offset, lastInBatch, dataDir, "delivered offset " + (t.expected - 1) + " last");
        }
        if (t.redeliverable && offset >= t.batchFirst || t.rewound && offset >= t.floor) {
            return null; // the previous batch again (put() threw), or Connect's rewind (preCommit threw)
        }
        return "JadeVectorDB sink: " + tp + " delivered offsets up to " + (t.expected - 1) + " and now offset " + offset
                + ": the topic's offsets started again below what the task has handled (the topic was deleted and "
                + "recreated, or its log was replaced, while the task ran). Records up to offset " + (t.expected - 1)
                + " would be skipped as already applied, so the task stops." + rebuildByHand(tp, dataDir);
    }

    /** What is wrong with a record that follows another of its partition in the same batch, or null. */
    private String next(TopicPartition tp, Track t, long offset, long lastInBatch, String dataDir) {
        return offset > t.expected ? gap(tp, t, offset, lastInBatch, dataDir, "delivered offset " + (t.expected - 1) + " last")
                : null;
    }

    /**
     * A gap before {@code offset}, where {@code t.expected} (or the offset after the checkpoint)
     * was expected: a problem when the log now starts past that offset.
     */
    private String gap(TopicPartition tp, Track t, long offset, long lastInBatch, String dataDir, String after) {
        long expected = t.checkpoint >= 0 ? t.checkpoint + 1 : t.expected;
        long recordsLead = lead.recordsLeft(tp);
        if (recordsLead < 0) {
            if (!t.warned) {
                t.warned = true;
                log.warn("{}: {} and next offset {} (expected {}): a gap, normal in a compacted or transactional topic "
                        + "or after records an SMT or Connect dropped; whether retention or DeleteRecords deleted records "
                        + "there cannot be told, because the consumer's records-lead metric for this partition cannot "
                        + "be read over JMX ({}). Further gaps of this partition are not logged. Keep the topic compacted "
                        + "or its retention unlimited", tp, after, offset, expected, lead.whyUnknown(tp));
            } else {
                log.debug("{}: gap before offset {} (expected {}), not checked", tp, offset, expected);
            }
            return null;
        }
        long logStart = lastInBatch + 1 - recordsLead;
        if (logStart <= expected) {
            return null; // a compacted or transactional gap: nothing the shards need was deleted
        }
        return "JadeVectorDB sink: " + tp + " " + after + " but its log now starts at offset " + logStart + ": records "
                + expected + ".." + (logStart - 1) + " were deleted (retention.ms/retention.bytes, or DeleteRecords) "
                + "before the sink applied them, so the shards would silently miss them and the task stops. Keep the "
                + "topic compacted or its retention unlimited." + rebuildByHand(tp, dataDir);
    }

    private static String rebuildByHand(TopicPartition tp, String dataDir) {
        return " To rebuild from the log as it is: stop the connector and reset the partition's offsets "
                + "(DELETE /connectors/NAME/offsets, where " + VectorSinkConfig.OFFSETS_RESET_CONFIG + " accepts it), or "
                + "move the partition's shard files (" + dataDir + "/*/" + KafkaPosition.source(tp).shardFileName()
                + "*) aside; then resume it: the partition is replayed from its earliest offset.";
    }
}
