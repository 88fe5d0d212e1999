package io.jadevectordb.connect.apply;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.connect.SinkMetrics;
import io.jadevectordb.connect.VectorSinkConfig;
import io.jadevectordb.engine.CorruptShardException;
import io.jadevectordb.engine.ShardFailedException;

/**
 * The retry windows of I/O problems, one per partition: opened by the partition's first
 * failure, closed by its next success. Turns an I/O problem into what Connect should do: a
 * {@link RetriableException} while retrying can help and the window
 * ({@code io.retry.timeout.ms}) is open (a shard locked by another writer, a full disk), or a
 * task failure ({@link ConnectException}) for a failed force, a corrupt shard, or a problem that
 * outlasted the window. I/O problems never go to the dead letter queue: the records are fine,
 * the disk is not.
 *
 * <p>One window per partition, because a success of one partition proves nothing about
 * another: with a shared window, a healthy partition's applies kept reopening the window of a
 * partition whose shard stayed locked, which then retried forever. A problem not tied to one
 * partition (an interrupted wait) has a window of its own, which any success closes.
 * Task thread only.
 */
public final class IoRetryWindow {

    private static final Logger log = LoggerFactory.getLogger(IoRetryWindow.class);

    private final long timeoutMs;
    private final SinkMetrics metrics;
    private final LongSupplier clock;
    /** Per partition (null: no partition), when its current streak of failures began. */
    private final Map<TopicPartition, Long> firstFailureMs = new HashMap<>();
    /**
     * Partitions (null: all) that failed the task for good: their shard was failed and closed, so
     * what they applied since their last checkpoint is gone, while their buffers hold only what
     * came after it. Applying those on the reopened shard would meet ids whose STOREs were lost
     * (a valid UPDATE rejected as a bad record) and a commit would checkpoint over the hole;
     * nothing more of them is applied or committed by this task, and its replacement replays them.
     */
    private final Set<TopicPartition> failedForGood = new HashSet<>();

    public IoRetryWindow(long timeoutMs, SinkMetrics metrics) {
        this(timeoutMs, metrics, System::currentTimeMillis);
    }

    IoRetryWindow(long timeoutMs, SinkMetrics metrics, LongSupplier clock) {
        this.timeoutMs = timeoutMs;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Whether this problem can never be cured by waiting. */
    static boolean isFatal(IOException e) {
        IOException io = e instanceof PartitionIoException p ? p.io() : e;
        return io instanceof ShardFailedException || io instanceof CorruptShardException;
    }

    /** Forgets the partition's failure streak after the engine took its data. */
    void succeeded(TopicPartition partition) {
        firstFailureMs.remove(partition);
        firstFailureMs.remove(null);
    }

    /** Whether a failure that cannot be retried stopped the task on {@code partition} (or on every partition). */
    boolean failedForGood(TopicPartition partition) {
        return failedForGood.contains(partition) || failedForGood.contains(null);
    }

    /** Forgets the partition's window: it was revoked, its next owner starts afresh. */
    public void forget(TopicPartition partition) {
        firstFailureMs.remove(partition);
    }

    /**
     * The exception to throw for {@code e}, which happened while doing {@code what}; charged to
     * the partition a {@link PartitionIoException} names, else to no partition.
     */
    public RuntimeException handle(IOException e, String what) {
        return handle(null, e, what);
    }

    /**
     * The exception to throw for {@code e}, which happened while doing {@code what} for
     * {@code partition} (null for none; a {@link PartitionIoException} names its own).
     */
    public RuntimeException handle(TopicPartition partition, IOException e, String what) {
        TopicPartition tp = e instanceof PartitionIoException p ? p.partition() : partition;
        IOException io = e instanceof PartitionIoException p ? p.io() : e;
        String where = "JadeVectorDB sink: " + (tp == null ? "" : "partition " + tp + ": ") + what;
        if (isFatal(io)) {
            failedForGood.add(tp);
            return new ConnectException(where + " failed and cannot be retried: " + io.getMessage()
                    + ". The task stops; restarting it replays from the shards' last checkpoint", io);
        }
        long now = clock.getAsLong();
        long elapsed = now - firstFailureMs.computeIfAbsent(tp, k -> now);
        if (elapsed >= timeoutMs) {
            return new ConnectException(where + " kept failing for " + elapsed + " ms (more than "
                    + VectorSinkConfig.IO_RETRY_TIMEOUT_MS_CONFIG + "=" + timeoutMs + "): " + io.getMessage()
                    + ". Fix the cause (free disk space, stop the other writer) and restart the task", io);
        }
        metrics.ioRetry();
        log.warn("{} failed, will retry (retrying for up to {} ms): {}", where, timeoutMs - elapsed, io.getMessage());
        return new RetriableException(where + " failed: " + io.getMessage(), io);
    }
}
