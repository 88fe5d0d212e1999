package io.jadevectordb.connect.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.SinkMetrics;
import io.jadevectordb.connect.VectorSinkConfig;
import io.jadevectordb.connect.VectorSinkConfig.UpdateMissingPolicy;
import io.jadevectordb.connect.offsets.KafkaPosition;
import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.ShardLockedException;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/** Applying buffered batches to a real store on disk. */
class BatchApplierTest {

    private static final TopicPartition TP = new TopicPartition("vectors", 0);
    private static final StoreOptions OPTIONS = StoreOptions.defaults().withFlushInterval(Duration.ZERO);

    @TempDir
    Path tmp;

    private VectorStore store;
    private PartitionBuffers buffers;

    @BeforeEach
    void openStore() throws Exception {
        store = VectorStore.open(tmp, OPTIONS);
        store.createDatabase("a", 2);
        store.createDatabase("b", 3);
        buffers = new PartitionBuffers(100);
        buffers.open(TP, -1);
    }

    @AfterEach
    void closeStore() throws Exception {
        store.close();
    }

    private BatchApplier applier(UpdateMissingPolicy policy, String tolerance) {
        return applier(store, buffers, tmp, policy, tolerance);
    }

    /** A batch applier over a real store, as the task builds it, with no dead letter queue (tolerance decides). */
    static BatchApplier applier(VectorStore store, PartitionBuffers buffers, Path dataDir, UpdateMissingPolicy policy,
                                String tolerance) {
        DatabaseCatalog catalog = new DatabaseCatalog(store, new VectorSinkConfig(Map.of(VectorSinkConfig.DATA_DIR_CONFIG,
                dataDir.toString(), VectorSinkConfig.UPDATE_MISSING_POLICY_CONFIG, VectorSinkConfig.configValue(policy))));
        ErrantRecordRouter errant = new ErrantRecordRouter(Map.of("errors.tolerance", tolerance), null,
                SinkMetrics.none());
        return new BatchApplier(store, buffers, catalog, errant, new IoRetryWindow(60_000, SinkMetrics.none()),
                SinkMetrics.none());
    }

    private void buffer(String database, Mutation mutation) {
        buffers.add(new RoutedMutation(database, mutation, new KafkaPosition(TP, mutation.sourceOffset()), null));
    }

    @Test
    void appliesEachDatabaseInKafkaOrderAndDropsTheBuffer() throws Exception {
        buffer("a", Mutation.store("x", new float[] {1, 2}, 0));
        buffer("b", Mutation.store("y", new float[] {1, 2, 3}, 1));
        buffer("a", Mutation.delete("x", 2));
        buffer("a", Mutation.store("x", new float[] {5, 6}, 3));
        buffer("b", Mutation.delete("y", 4));

        applier(UpdateMissingPolicy.REJECT, "none").apply(TP);

        assertThat(store.database("a").orElseThrow().get("x")).hasValueSatisfying(v -> assertThat(v).containsExactly(5, 6));
        assertThat(store.database("b").orElseThrow().get("y")).isEmpty();
        assertThat(buffers.pendingCount(TP)).isZero();
        assertThat(buffers.bufferedBytes()).isZero();
    }

    @Test
    void anUpdateOfAMissingIdFailsTheTaskUnderRejectAndToleranceNone() {
        buffer("a", Mutation.update("ghost", new float[] {1, 2}, 0));

        assertThatThrownBy(() -> applier(UpdateMissingPolicy.REJECT, "none").apply(TP))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("topic vectors partition 0 offset 0")
                .hasMessageContaining("update.missing.policy=upsert");
    }

    @Test
    void anUpdateOfAMissingIdChangesNothingUnderIgnore() throws Exception {
        buffer("a", Mutation.update("ghost", new float[] {1, 2}, 0));

        applier(UpdateMissingPolicy.IGNORE, "none").apply(TP);

        assertThat(store.database("a").orElseThrow().get("ghost")).isEmpty();
        assertThat(buffers.pendingCount(TP)).isZero();
    }

    @Test
    void aLockedShardLeavesTheBufferForTheRetryWhichAppliesItOnce() throws Exception {
        buffer("a", Mutation.store("x", new float[] {1, 2}, 0));
        buffer("b", Mutation.store("y", new float[] {1, 2, 3}, 1));
        BatchApplier applier = applier(UpdateMissingPolicy.REJECT, "none");
        try (VectorStore other = VectorStore.open(tmp, OPTIONS)) {
            other.apply("b", new SourcePartition("vectors", 0), List.of());

            assertThatThrownBy(() -> applier.apply(TP)).isInstanceOf(PartitionIoException.class)
                    .hasCauseInstanceOf(ShardLockedException.class).hasMessageStartingWith(TP + ": ");
            assertThat(buffers.pendingCount(TP)).isEqualTo(2);
        }

        applier.apply(TP);

        assertThat(buffers.pendingCount(TP)).isZero();
        assertThat(store.database("a").orElseThrow().get("x")).isPresent();
        assertThat(store.database("b").orElseThrow().get("y")).isPresent();
    }

    @Test
    void aRejectedUpdateIsNeverFollowedByALaterWriteOfItsIdSoAReapplyRejectsItAgain() throws Exception {
        buffer("a", Mutation.update("ghost", new float[] {1, 2}, 0));
        buffer("a", Mutation.store("ghost", new float[] {3, 4}, 1));
        BatchApplier applier = applier(UpdateMissingPolicy.REJECT, "none");

        assertThatThrownBy(() -> applier.apply(TP)).isInstanceOf(ConnectException.class).hasMessageContaining("offset 0");
        assertThat(store.database("a").orElseThrow().get("ghost")).as("the STORE after the rejected UPDATE").isEmpty();
        assertThatThrownBy(() -> applier.apply(TP)).as("the re-apply of a failed task's buffer")
                .isInstanceOf(ConnectException.class).hasMessageContaining("offset 0");
    }

    @Test
    void underToleranceAllTheWritesAfterARejectedUpdateAreAppliedOnceItIsReported() throws Exception {
        buffer("a", Mutation.update("ghost", new float[] {1, 2}, 0));
        buffer("a", Mutation.store("ghost", new float[] {3, 4}, 1));

        applier(UpdateMissingPolicy.REJECT, "all").applyAll(TP);

        assertThat(store.database("a").orElseThrow().get("ghost")).hasValueSatisfying(v -> assertThat(v).containsExactly(3, 4));
        assertThat(buffers.pendingCount(TP)).isZero();
    }

    @Test
    void metadataReachesTheStoreWithEachOperationsMeaning() throws Exception {
        byte[] first = {(byte) 0xbf, 0x61, 0x61, 0x01, (byte) 0xff};
        byte[] retag = {(byte) 0xbf, 0x61, 0x61, 0x02, (byte) 0xff};
        buffer("a", Mutation.store("kept", new float[] {1, 2}, first, 0));
        buffer("a", Mutation.update("kept", new float[] {3, 4}, null, 1)); // a new vector: the metadata stays
        buffer("a", Mutation.store("tagged", new float[] {5, 6}, first, 2));
        buffer("a", Mutation.update("tagged", null, retag, 3)); // a re-tag: the vector stays
        buffer("a", Mutation.store("gone", new float[] {7, 8}, first, 4));
        buffer("a", Mutation.delete("gone", 5));
        buffer("a", Mutation.store("gone", new float[] {9, 9}, 6)); // stored again without: none comes back

        applier(UpdateMissingPolicy.REJECT, "none").apply(TP);

        Database a = store.database("a").orElseThrow();
        assertThat(a.getEntry("kept").orElseThrow().vector()).containsExactly(3, 4);
        assertThat(a.getEntry("kept").orElseThrow().metadata()).containsExactly(first);
        assertThat(a.getEntry("tagged").orElseThrow().vector()).containsExactly(5, 6);
        assertThat(a.getEntry("tagged").orElseThrow().metadata()).containsExactly(retag);
        assertThat(a.getEntry("gone").orElseThrow().metadata()).isNull();
    }

    @Test
    void aReTagOfAMissingIdIsAnUpdateOfAMissingId() {
        buffer("a", Mutation.update("ghost", null, new byte[] {(byte) 0xbf, 0x61, 0x61, 0x01, (byte) 0xff}, 0));

        assertThatThrownBy(() -> applier(UpdateMissingPolicy.REJECT, "none").apply(TP))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("topic vectors partition 0 offset 0");
    }
}
