package io.jadevectordb.connect.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.SinkMetrics;
import io.jadevectordb.connect.VectorSinkConfig;
import io.jadevectordb.connect.offsets.KafkaPosition;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.ShardLockedException;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;
import io.jadevectordb.engine.crash.InjectedFault;
import io.jadevectordb.engine.crash.PowerLossRecorder;

/** {@link CommitCoordinator} over a real store on disk, with the engine's fault layer in front of it. */
class CommitCoordinatorTest {

    private static final TopicPartition TP = new TopicPartition("vectors", 0);
    private static final StoreOptions OPTIONS = StoreOptions.defaults().withFlushInterval(Duration.ZERO);
    private static final Mutation FIRST = Mutation.store("x", new float[] {1, 2}, 0);
    private static final long TIMEOUT_MS = 1_000;

    @TempDir
    Path tmp;

    /** The parts of a task that a commit uses, on one store, with a clock the test moves. */
    private static final class Task implements AutoCloseable {
        final long[] now = {0};
        final VectorStore store;
        final PartitionBuffers buffers = new PartitionBuffers(100);
        final IoRetryWindow window = new IoRetryWindow(TIMEOUT_MS, SinkMetrics.none(), () -> now[0]);
        final ApplyPipeline pipeline;
        final CommitCoordinator coordinator;

        Task(Path dataDir, StoreOptions options) throws Exception {
            store = VectorStore.open(dataDir, options);
            buffers.open(TP, -1);
            DatabaseCatalog catalog = new DatabaseCatalog(store, new VectorSinkConfig(Map.of(VectorSinkConfig.DATA_DIR_CONFIG,
                    dataDir.toString())));
            ErrantRecordRouter errant = new ErrantRecordRouter(Map.of("errors.tolerance", "none"), null, SinkMetrics.none());
            BatchApplier applier = new BatchApplier(store, buffers, catalog, errant, window, SinkMetrics.none());
            pipeline = new ApplyPipeline(applier, "test-apply");
            coordinator = new CommitCoordinator(store, buffers, applier, pipeline, window, errant, SinkMetrics.none());
        }

        void buffer(String database, Mutation mutation) {
            buffers.add(new RoutedMutation(database, mutation, new KafkaPosition(TP, mutation.sourceOffset()), null));
        }

        @Override
        public void close() throws Exception {
            pipeline.close();
            store.close();
        }
    }

    /** A new database "a" (created for its first record, as the catalog does) and that record buffered. */
    private static void firstRecord(Task task) throws Exception {
        task.store.createDatabase("a", 2, FIRST);
        task.buffer("a", FIRST);
    }

    @Test
    void aSuccessfulCommitClosesTheRetryWindowThatAFailedCommitOpened() throws Exception {
        // Issue 15: only a whole applied batch closed a partition's window, so after an I/O error at
        // commit (here the link that makes the new database final), a later successful commit left
        // it open and a later unrelated retriable failure counted against the old deadline.
        long beforeCommit;
        PowerLossRecorder counting = PowerLossRecorder.under(tmp.resolve("count"));
        InjectedFault none = InjectedFault.none(counting);
        try (Task task = new Task(tmp.resolve("count").resolve("store"), none.applyTo(counting.applyTo(OPTIONS)))) {
            firstRecord(task);
            beforeCommit = none.operations();
        }
        boolean linkFailed = false;
        for (long failAt = beforeCommit; failAt < beforeCommit + 40 && !linkFailed; failAt++) {
            Path base = tmp.resolve("fault-" + failAt);
            PowerLossRecorder recorder = PowerLossRecorder.under(base);
            InjectedFault fault = InjectedFault.at(recorder, failAt, InjectedFault.Kind.IO_ERROR, false);
            try (Task task = new Task(base.resolve("store"), fault.applyTo(recorder.applyTo(OPTIONS)))) {
                firstRecord(task);
                Map<TopicPartition, ?> durable = task.coordinator.commit(List.of(TP));
                if (fault.fired() == null || !fault.fired().contains("link database.properties")) {
                    continue; // another operation failed (a force fails the shard for good), or none did
                }
                linkFailed = true;
                assertThat(durable).as("nothing durable after the failed commit (%s)", fault.fired()).isEmpty();
                assertThatCode(task.coordinator::throwPendingFailure).as("a failed link is retried").doesNotThrowAnyException();

                task.now[0] = 600;
                assertThat(task.coordinator.commit(List.of(TP))).as("the retried commit").containsKey(TP);

                // Later, an unrelated retriable failure of the same partition: a shard another writer holds.
                try (VectorStore other = VectorStore.open(base.resolve("store"), OPTIONS)) {
                    other.createDatabase("b", 2);
                    other.apply("b", new SourcePartition("vectors", 0), List.of(Mutation.store("y", new float[] {3, 4}, 1)));
                    task.buffer("b", Mutation.store("y", new float[] {3, 4}, 1));
                    task.now[0] = 1_200;

                    assertThat(task.coordinator.commit(List.of(TP))).as("the record at offset 1 is not durable")
                            .containsEntry(TP, new OffsetAndMetadata(1));

                    assertThatCode(task.coordinator::throwPendingFailure)
                            .as("a new streak of failures, not the one the successful commit ended")
                            .doesNotThrowAnyException();
                    task.now[0] = 2_200; // the new streak outlasts the window
                    task.coordinator.commit(List.of(TP));
                    assertThatThrownBy(task.coordinator::throwPendingFailure).isInstanceOf(ConnectException.class)
                            .isNotInstanceOf(RetriableException.class).hasMessageContaining("kept failing for 1000 ms")
                            .hasCauseInstanceOf(ShardLockedException.class);
                }
            }
        }
        assertThat(linkFailed).as("a fault point in the commit hit the link of the new database").isTrue();
    }
}
