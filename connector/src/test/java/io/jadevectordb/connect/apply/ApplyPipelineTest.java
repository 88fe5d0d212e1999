package io.jadevectordb.connect.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.VectorSinkConfig.UpdateMissingPolicy;
import io.jadevectordb.connect.offsets.KafkaPosition;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.ShardLockedException;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;
import io.jadevectordb.engine.io.Preallocator;

/** Applying on the background thread, with a real store on disk. */
class ApplyPipelineTest {

    private static final TopicPartition TP = new TopicPartition("vectors", 0);
    private static final StoreOptions OPTIONS = StoreOptions.defaults().withFlushInterval(Duration.ZERO);

    @TempDir
    Path tmp;

    private VectorStore store;
    private PartitionBuffers buffers;
    private ApplyPipeline pipeline;

    @BeforeEach
    void openStore() throws Exception {
        store = VectorStore.open(tmp, OPTIONS);
        store.createDatabase("a", 2);
        buffers = new PartitionBuffers(100);
        buffers.open(TP, -1);
    }

    @AfterEach
    void closeStore() throws Exception {
        if (pipeline != null) {
            pipeline.close();
        }
        store.close();
    }

    private ApplyPipeline pipeline(String tolerance) {
        pipeline = new ApplyPipeline(BatchApplierTest.applier(store, buffers, tmp, UpdateMissingPolicy.REJECT, tolerance),
                "test-apply");
        return pipeline;
    }

    private void buffer(Mutation mutation) {
        buffers.add(new RoutedMutation("a", mutation, new KafkaPosition(TP, mutation.sourceOffset()), null));
    }

    private float[] get(String id) throws Exception {
        return store.database("a").orElseThrow().get(id).orElse(null);
    }

    @Test
    void appliesWhatWasBufferedWhenItStartedAndKeepsWhatWasBufferedMeanwhile() throws Exception {
        ApplyPipeline pipeline = pipeline("none");
        buffer(Mutation.store("x", new float[] {1, 1}, 0));
        buffer(Mutation.store("y", new float[] {2, 2}, 1));
        pipeline.start(List.of(TP));
        assertThat(pipeline.hasInFlight()).isTrue();
        buffer(Mutation.store("x", new float[] {3, 3}, 2)); // arrives while the first batch is applied

        pipeline.finishInFlight();

        assertThat(pipeline.hasInFlight()).isFalse();
        assertThat(buffers.pendingCount(TP)).isEqualTo(1);
        assertThat(get("y")).containsExactly(2, 2);
        pipeline.start(List.of(TP));
        pipeline.finishInFlight();
        assertThat(buffers.pendingCount(TP)).isZero();
        assertThat(buffers.bufferedBytes()).isZero();
        assertThat(get("x")).containsExactly(3, 3);
    }

    @Test
    void aFailedBackgroundApplyFailsOnTheTaskThreadAndLeavesItsBatchBufferedForTheRetry() throws Exception {
        ApplyPipeline pipeline = pipeline("none");
        buffer(Mutation.store("x", new float[] {1, 1}, 0));
        try (VectorStore other = VectorStore.open(tmp, OPTIONS)) {
            other.apply("a", new SourcePartition("vectors", 0), List.of()); // holds the shard's writer lock
            pipeline.start(List.of(TP));
            buffer(Mutation.store("y", new float[] {2, 2}, 1));

            assertThatThrownBy(pipeline::finishInFlight).isInstanceOf(PartitionIoException.class)
                    .hasCauseInstanceOf(ShardLockedException.class);
            assertThat(buffers.pendingCount(TP)).isEqualTo(2);
        }

        pipeline.start(List.of(TP));
        pipeline.finishInFlight();

        assertThat(buffers.pendingCount(TP)).isZero();
        assertThat(get("x")).containsExactly(1, 1);
        assertThat(get("y")).containsExactly(2, 2);
    }

    @Test
    void outcomesAreActedOnByTheTaskThreadWhenItFinishesTheApply() throws Exception {
        ApplyPipeline pipeline = pipeline("none");
        buffer(Mutation.update("ghost", new float[] {1, 1}, 0));
        pipeline.start(List.of(TP)); // the background thread only applies: NOT_FOUND

        assertThatThrownBy(pipeline::finishInFlight)
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("topic vectors partition 0 offset 0");
    }
    @Test
    void anInterruptedWaitLeavesTheApplyInFlightAndDrainWaitsForItBeforeShardsAreReleased() throws Exception {
        // Issue 15, finding 18: a task failing or interrupted must not release shards an apply still writes.
        Path dir = tmp.resolve("gated");
        AtomicBoolean armed = new AtomicBoolean();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        Preallocator gate = (path, channel, from, to) -> {
            if (armed.getAndSet(false)) {
                entered.countDown();
                try {
                    proceed.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new InterruptedIOException("gate");
                }
            }
            Preallocator.ZERO_FILL.extend(path, channel, from, to);
        };
        try (VectorStore gated = VectorStore.open(dir, OPTIONS.withPreallocator(gate))) {
            gated.createDatabase("a", 2);
            ApplyPipeline pipeline = new ApplyPipeline(BatchApplierTest.applier(gated, buffers, dir, UpdateMissingPolicy.REJECT,
                    "none"), "test-apply-gated");
            try {
                buffer(Mutation.store("x", new float[] {1, 1}, 0));
                armed.set(true);
                pipeline.start(List.of(TP));
                entered.await(); // the apply is blocked creating the shard

                Thread.currentThread().interrupt(); // Connect cancels the task
                assertThatThrownBy(pipeline::finishInFlight).isInstanceOf(InterruptedIOException.class);
                assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
                assertThat(pipeline.hasInFlight()).as("the apply still runs: the task must still wait for it").isTrue();

                Thread taskThread = Thread.currentThread();
                Thread opener = new Thread(() -> {
                    while (taskThread.getState() != Thread.State.WAITING) {
                        Thread.onSpinWait(); // until drain waits
                    }
                    proceed.countDown();
                }, "opener");
                opener.start();
                Thread.currentThread().interrupt(); // nor does an interrupt cut the drain short
                pipeline.drain();

                assertThat(Thread.interrupted()).as("the interrupt is restored").isTrue();
                assertThat(pipeline.hasInFlight()).isFalse();
                assertThat(gated.database("a").orElseThrow().get("x")).as("drain returned after the apply ended").isPresent();
                opener.join();
            } finally {
                proceed.countDown();
                pipeline.close();
            }
        }
    }
}
