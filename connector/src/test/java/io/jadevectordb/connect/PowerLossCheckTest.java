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

import io.jadevectordb.connect.fixtures.Meta;
import io.jadevectordb.connect.fixtures.VectorRecords;

/**
 * The teeth of {@link CommitInvariantTest}'s check, kept proven on every run and in a second:
 * the real {@link InvariantCheckingSinkTask}, driven without a broker, must report lost commits
 * when its store's forces are dropped, report nothing when they are not, and hand a restarted
 * task only what was forced.
 */
class PowerLossCheckTest {

    private static final String TOPIC = "teeth";
    /** The sink's fields and, around them, metadata fields in {@link Meta#structOrder()}'s order. */
    private static final Schema VALUE = SchemaBuilder.struct().name("VectorMutation")
            .field("title", Schema.OPTIONAL_STRING_SCHEMA)
            .field("database", Schema.STRING_SCHEMA)
            .field("id", Schema.STRING_SCHEMA)
            .field("vector", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build())
            .field("model", Schema.OPTIONAL_STRING_SCHEMA)
            .field("lang", Schema.OPTIONAL_STRING_SCHEMA)
            .field("year", Schema.OPTIONAL_INT32_SCHEMA)
            .field("score", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build())
            .build();
    private static final List<TopicPartition> PARTITIONS = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));

    @TempDir
    Path tmp;

    /** One task's life: start, open both partitions, {@code commits} rounds of put + preCommit, close, stop. */
    private static RecordingContext runTask(Path dataDir, CommitObservation observation, long[] next, int commits) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "teeth");
        props.put("topics", TOPIC);
        props.put(VectorSinkConfig.DATA_DIR_CONFIG, dataDir.toString());
        props.put("batch.size", "7");
        props.put("flush.interval.ms", "0");
        RecordingContext context = new RecordingContext(props, PARTITIONS);
        InvariantCheckingSinkTask task = new InvariantCheckingSinkTask();
        task.initialize(context);
        task.start(props);
        try {
            task.open(PARTITIONS);
            for (int round = 0; round < commits; round++) {
                List<SinkRecord> records = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    int partition = i % 2;
                    long offset = next[partition]++;
                    String db = i % 3 == 0 ? "large" : "small";
                    String id = "rec-" + partition + "-" + offset;
                    float[] vector = VectorRecords.vector(id, 0, db.equals("large") ? 96 : 4);
                    TopicPartition tp = PARTITIONS.get(partition);
                    Meta meta = Meta.forId(id);
                    observation.expect(tp, offset, new CommitObservation.Produced(db, id, vector, meta.structDocument()));
                    List<Float> boxed = new ArrayList<>();
                    for (float f : vector) {
                        boxed.add(f);
                    }
                    Struct value = new Struct(VALUE).put("database", db).put("id", id).put("vector", boxed);
                    meta.structOrder().forEach(value::put);
                    records.add(new SinkRecord(TOPIC, partition, null, id, VALUE, value, offset));
                }
                task.put(records);
                Map<TopicPartition, OffsetAndMetadata> current = new HashMap<>();
                for (TopicPartition tp : PARTITIONS) {
                    current.put(tp, new OffsetAndMetadata(next[tp.partition()]));
                }
                task.preCommit(current);
            }
            task.close(PARTITIONS);
        } finally {
            task.stop();
        }
        return context;
    }

    @Test
    void findsTheCommittedRecordsAPowerLossLosesWhenTheStoreForcesNothing() {
        Path dataDir = tmp.resolve("data");
        CommitObservation observation = CommitObservation.of(dataDir);
        observation.dropForces();

        runTask(dataDir, observation, new long[2], 3);

        assertThat(observation.checks()).as("preCommit returns checked").isEqualTo(3);
        assertThat(observation.violations()).as("seed %d", observation.seed())
                .anyMatch(v -> v.startsWith(TOPIC + "-0 offset 0 (id rec-0-0 in large/" + TOPIC + "-0.jvdb) is below the returned offset")
                        && v.contains("the forced-only image at crash point")
                        && v.contains("seed " + observation.seed()));
    }

    @Test
    void findsNothingWhenTheStoreForcesWhatItCommits() {
        Path dataDir = tmp.resolve("data");
        CommitObservation observation = CommitObservation.of(dataDir);
        long[] next = new long[2];

        runTask(dataDir, observation, next, 3);

        assertThat(observation.violations()).as("seed %d", observation.seed()).isEmpty();
        assertThat(observation.checks()).isEqualTo(3);
        for (TopicPartition tp : PARTITIONS) {
            assertThat(observation.checked().get(tp)).as("highest checked returned offset of %s", tp).isEqualTo(next[tp.partition()]);
        }
    }

    @Test
    void aRestartedTaskResumesFromWhatItsPredecessorForced() {
        Path dataDir = tmp.resolve("data");
        CommitObservation observation = CommitObservation.of(dataDir);
        long[] next = new long[2];
        runTask(dataDir, observation, next, 2);

        RecordingContext restarted = runTask(dataDir, observation, next, 1);

        assertThat(restarted.seeks).as("seeks after the power-loss image of the first task's stop")
                .containsEntry(PARTITIONS.get(0), 12L).containsEntry(PARTITIONS.get(1), 12L);
        assertThat(observation.violations()).as("seed %d", observation.seed()).isEmpty();
    }

    @Test
    void aRestartedTaskReplaysFromTheStartWhenItsPredecessorForcedNothing() {
        Path dataDir = tmp.resolve("data");
        CommitObservation observation = CommitObservation.of(dataDir);
        observation.dropForces();
        long[] next = new long[2];
        runTask(dataDir, observation, next, 2);

        RecordingContext restarted = runTask(dataDir, observation, next, 1);

        assertThat(restarted.seeks).as("no shard was ever forced, so the page cache's must not be handed over")
                .containsEntry(PARTITIONS.get(0), 0L).containsEntry(PARTITIONS.get(1), 0L);
    }
}
