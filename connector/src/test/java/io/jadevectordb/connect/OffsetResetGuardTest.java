package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/** Which offset resets the tasks would honour, and the refusal of the others. */
class OffsetResetGuardTest {

    private static final TopicPartition TP = new TopicPartition("vectors", 0);

    @TempDir
    Path dataDir;

    private VectorSinkConfig config(boolean replayFromEarliest) {
        return new VectorSinkConfig(Map.of(VectorSinkConfig.DATA_DIR_CONFIG, dataDir.toString(),
                VectorSinkConfig.REPLAY_FROM_EARLIEST_CONFIG, Boolean.toString(replayFromEarliest)));
    }

    private static Map<TopicPartition, Long> reset(Long offset) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        offsets.put(TP, offset);
        return offsets;
    }

    private void writeShard() throws Exception {
        try (VectorStore store = VectorStore.open(dataDir, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            store.createDatabase("alpha", 2);
            store.apply("alpha", new SourcePartition("vectors", 0), List.of(Mutation.store("x", new float[] {1, 2}, 7)));
            store.commit(new SourcePartition("vectors", 0), 7);
        }
    }

    @Test
    void aResetOfAPartitionWithAShardIsRefusedNamingTheFilesToMoveAside() throws Exception {
        writeShard();

        for (Long offset : new Long[] {null, 0L, 3L}) {
            assertThatThrownBy(() -> OffsetResetGuard.check(config(false), reset(offset)))
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining("vectors-0").hasMessageContaining("shard checkpoint 7")
                    .hasMessageContaining("vectors-0.jvdb*) aside");
        }
    }

    @Test
    void withoutLocalStateARemovalIsHonouredAndAnOffsetOnlyWithoutReplayFromEarliest() {
        assertThatCode(() -> OffsetResetGuard.check(config(true), reset(null))).doesNotThrowAnyException();
        assertThatCode(() -> OffsetResetGuard.check(config(false), reset(5L))).doesNotThrowAnyException();
        assertThatThrownBy(() -> OffsetResetGuard.check(config(true), reset(5L)))
                .hasMessageContaining("replay.from.earliest=true").hasMessageContaining("set the offset to 5");
    }

    @Test
    void aPartitionWhoseShardWasMovedAsideIsReplayedFromZeroSoOnlyARemovalIsHonoured() throws Exception {
        writeShard();
        try (Stream<Path> files = Files.list(dataDir.resolve("alpha"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("vectors-0.jvdb")).toList()) {
                Files.delete(file);
            }
        }

        assertThatCode(() -> OffsetResetGuard.check(config(false), reset(null))).doesNotThrowAnyException();
        assertThatThrownBy(() -> OffsetResetGuard.check(config(false), reset(5L)))
                .hasMessageContaining("replays the partition from offset 0");
    }
}
