package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.offsets.OffsetResetJournal;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/**
 * Offset resets and rebuilds survive a crash between the drop of the partition's local state
 * and the first commit after it: the real task, driven without a broker, is abandoned at that
 * point (stopped with nothing committed), and the next task must still start where the reset
 * said, not replay from the start (undoing it) or from the group's old offset.
 */
class OffsetResetCrashTest {

    private static final String TOPIC = "resets";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final Schema VALUE = SchemaBuilder.struct().name("VectorMutation")
            .field("database", Schema.STRING_SCHEMA)
            .field("id", Schema.STRING_SCHEMA)
            .field("vector", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build())
            .build();

    @TempDir
    Path tmp;

    private Map<String, String> props(String... extra) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "resets");
        props.put("topics", TOPIC);
        props.put(VectorSinkConfig.DATA_DIR_CONFIG, tmp.resolve("data").toString());
        props.put(VectorSinkConfig.OFFSETS_RESET_CONFIG, "local");
        props.put(VectorSinkConfig.FLUSH_INTERVAL_MS_CONFIG, "0");
        for (int i = 0; i < extra.length; i += 2) {
            props.put(extra[i], extra[i + 1]);
        }
        return props;
    }

    /** A task that opens {@code P0}, is handed {@code records} and commits them when {@code commit}. */
    private RecordingContext runTask(Map<String, String> props, List<SinkRecord> records, boolean commit) {
        RecordingContext context = new RecordingContext(props, List.of(P0, P1));
        VectorSinkTask task = new VectorSinkTask();
        task.initialize(context);
        task.start(props);
        try {
            task.open(List.of(P0));
            if (!records.isEmpty()) {
                task.put(records);
            }
            if (commit) {
                long next = records.isEmpty() ? 0 : records.get(records.size() - 1).kafkaOffset() + 1;
                task.preCommit(Map.of(P0, new OffsetAndMetadata(next)));
                task.close(List.of(P0));
            }
            // Without commit: abandoned as a crash leaves it; stop only lets go of the files.
        } finally {
            task.stop();
        }
        return context;
    }

    private static List<SinkRecord> records(long from, long to) {
        List<SinkRecord> records = new ArrayList<>();
        for (long offset = from; offset < to; offset++) {
            String id = "r" + offset;
            Struct value = new Struct(VALUE).put("database", "db").put("id", id).put("vector", List.of(1f, (float) offset));
            records.add(new SinkRecord(TOPIC, 0, null, id, VALUE, value, offset));
        }
        return records;
    }

    private List<String> ids() throws Exception {
        List<String> ids = new ArrayList<>();
        try (VectorStore store = VectorStore.open(tmp.resolve("data"), StoreOptions.defaults())) {
            store.database("db").orElseThrow().scan((id, v) -> ids.add(id));
        }
        ids.sort(null);
        return ids;
    }

    @Test
    void aResetSurvivesACrashBetweenTheDropAndTheFirstCommitAtTheNewStart() throws Exception {
        runTask(props(), records(0, 10), true);
        new VectorSinkConnector().alterOffsets(props(), Map.of(P0, 6L));

        RecordingContext crashed = runTask(props(), List.of(), false);
        assertThat(crashed.seeks).containsEntry(P0, 6L);

        RecordingContext after = runTask(props(), records(6, 10), true);
        assertThat(after.seeks).as("the reset still holds after the crash").containsEntry(P0, 6L);
        assertThat(ids()).containsExactly("r6", "r7", "r8", "r9");
        assertThat(tmp.resolve("data").resolve(OffsetResetJournal.DIRECTORY).resolve(TOPIC + "-0.reset"))
                .as("forgotten once a commit at the new start is durable").doesNotExist();

        assertThat(runTask(props(), List.of(), true).seeks).containsEntry(P0, 10L);
    }

    @Test
    void aDeleteResetsEveryPartitionWithLocalStateEvenWithoutAGroupOffset() throws Exception {
        runTask(props(), records(0, 4), true);

        // What Connect hands over for DELETE when the group has no committed offset (expired, never committed).
        new VectorSinkConnector().alterOffsets(props(), Map.of());

        assertThat(runTask(props(), List.of(), false).seeks).containsEntry(P0, 0L);
        assertThat(ids()).as("the local state was dropped").isEmpty();
    }

    @Test
    void aRebuildOfARecreatedTopicSurvivesACrashBeforeItsFirstCommit() throws Exception {
        Map<String, String> rebuild = props(VectorSinkConfig.RECREATED_TOPIC_BEHAVIOR_CONFIG, "rebuild",
                VectorSinkConfig.REPLAY_FROM_EARLIEST_CONFIG, "false");
        runTask(rebuild, records(0, 10), true);

        // The recreated topic's log delivers offset 4 first (at or below the checkpoint 9): rebuild from there, then crash.
        runTask(rebuild, records(4, 6), false);

        RecordingContext after = runTask(rebuild, records(4, 6), true);
        assertThat(after.seeks).as("the rebuild still starts at offset 4, not at the group's old offset")
                .containsEntry(P0, 4L);
        assertThat(ids()).containsExactly("r4", "r5");
    }
}
