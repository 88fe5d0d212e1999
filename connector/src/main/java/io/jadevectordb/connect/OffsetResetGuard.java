package io.jadevectordb.connect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;

import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/**
 * Decides whether an offset reset through the REST API (KIP-875) would be honoured, and refuses
 * it with the reason and the fix when it would not. A task resumes a partition after its shards'
 * checkpoint when it has local state, and from the earliest offset when it has none and
 * {@code replay.from.earliest=true}; a reset the task would ignore is never accepted.
 *
 * <p>Checked against {@code data.dir} on the worker that handles the request: shards are local,
 * so run it where the tasks run (one worker, or every worker's disk kept in step).
 */
final class OffsetResetGuard {

    private OffsetResetGuard() {
    }

    /** @throws ConnectException naming the partition, the reason and the fix, when a reset would be ignored */
    static void check(VectorSinkConfig config, Map<TopicPartition, Long> offsets) {
        Path dataDir = config.dataDir();
        if (!Files.isDirectory(dataDir)) {
            checkWithoutLocalState(config, offsets);
            return;
        }
        try (VectorStore store = VectorStore.open(dataDir, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            for (Map.Entry<TopicPartition, Long> entry : offsets.entrySet()) {
                TopicPartition tp = entry.getKey();
                OptionalLong checkpoint = store.checkpoint(KafkaPosition.source(tp));
                if (checkpoint.isPresent() && checkpoint.getAsLong() < 0) {
                    // No checkpoint to resume after (a shard moved aside that its database remembers,
                    // or one never committed): the task replays from offset 0 whatever the consumer offset.
                    checkReplayedFromStart(tp, entry.getValue());
                } else if (checkpoint.isPresent()) {
                    throw new ConnectException("JadeVectorDB sink: refusing to " + describe(entry.getValue()) + " of " + tp
                            + ": the partition has local state in " + dataDir + " (shard checkpoint "
                            + checkpoint.getAsLong() + "), and a task resumes after its shards' checkpoint, not at the "
                            + "consumer offset, so the reset would be ignored. To replay the partition: keep the "
                            + "connector stopped, move its shard files (" + dataDir + "/*/"
                            + KafkaPosition.source(tp).shardFileName() + "*) aside, then reset (DELETE replays from the "
                            + "earliest offset; PATCH to an offset needs " + VectorSinkConfig.REPLAY_FROM_EARLIEST_CONFIG
                            + "=false) and resume");
                }
            }
        } catch (IOException e) {
            throw new ConnectException("JadeVectorDB sink: refusing the offset reset: cannot read the shard checkpoints in "
                    + dataDir + " (" + VectorSinkConfig.DATA_DIR_CONFIG + "): " + e.getMessage(), e);
        }
        checkWithoutLocalState(config, offsets);
    }

    private static void checkWithoutLocalState(VectorSinkConfig config, Map<TopicPartition, Long> offsets) {
        if (!config.replayFromEarliest()) {
            return; // a partition without local state resumes from the committed offset: the reset holds
        }
        offsets.forEach((tp, offset) -> {
            if (offset != null && offset > 0) {
                throw new ConnectException("JadeVectorDB sink: refusing to " + describe(offset) + " of " + tp + ": with "
                        + VectorSinkConfig.REPLAY_FROM_EARLIEST_CONFIG + "=true a partition without local state is "
                        + "replayed from its earliest offset, so the reset would be ignored. Set "
                        + VectorSinkConfig.REPLAY_FROM_EARLIEST_CONFIG + "=false to start at a chosen offset, or reset "
                        + "with DELETE /connectors/<name>/offsets to replay from the earliest");
            }
        });
    }

    private static void checkReplayedFromStart(TopicPartition tp, Long offset) {
        if (offset != null && offset > 0) {
            throw new ConnectException("JadeVectorDB sink: refusing to " + describe(offset) + " of " + tp + ": the "
                    + "partition has no checkpoint to resume after (a database records that it fed it but its shard is "
                    + "gone, or its shard was never committed), so the task replays the partition from offset 0 and the "
                    + "reset would be ignored. Reset with DELETE /connectors/<name>/offsets, or remove the databases it "
                    + "fed (jvdb drop) to start at a chosen offset with " + VectorSinkConfig.REPLAY_FROM_EARLIEST_CONFIG
                    + "=false");
        }
    }

    private static String describe(Long offset) {
        return offset == null ? "remove the committed offset" : "set the offset to " + offset;
    }
}
