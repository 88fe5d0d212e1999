package io.jadevectordb.connect;

import java.util.Collection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * The real sink, whose task holds its {@code put()} at a chosen offset until the test opens the
 * gate: meanwhile the worker does not poll, so the consumer's position stays where it is while
 * the test changes the log under it (a task that fell behind, mid-stream). One gate per JVM.
 */
public class GatedSinkConnector extends VectorSinkConnector {

    private static volatile long holdAt = -1;
    private static volatile CountDownLatch reached = new CountDownLatch(1);
    private static volatile CountDownLatch open = new CountDownLatch(1);

    /** The next put() holding a record at {@code offset} waits until {@link #open()}. */
    static void holdAt(long offset) {
        reached = new CountDownLatch(1);
        open = new CountDownLatch(1);
        holdAt = offset;
    }

    /** Waits until a put() holds at the gate. */
    static void awaitHeld() throws InterruptedException {
        if (!reached.await(90, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no put() reached offset " + holdAt);
        }
    }

    /** Lets the held put() go on; later ones pass. */
    static void open() {
        holdAt = -1;
        open.countDown();
    }

    @Override
    public Class<? extends Task> taskClass() {
        return GatedSinkTask.class;
    }

    /** The real task, held at the gate. */
    public static class GatedSinkTask extends VectorSinkTask {
        @Override
        public void put(Collection<SinkRecord> records) {
            long at = holdAt;
            if (at >= 0 && records.stream().anyMatch(r -> r.kafkaOffset() == at)) {
                reached.countDown();
                try {
                    open.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            super.put(records);
        }
    }
}
