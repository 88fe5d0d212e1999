package io.jadevectordb.connect;

import java.io.IOException;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.CorruptShardException;
import io.jadevectordb.engine.ShardFailedException;

/**
 * The retry window of I/O problems: opened by the first failure, closed by the next success.
 * Turns an I/O problem into what Connect should do: a {@link RetriableException} while
 * retrying can help and the window ({@code io.retry.timeout.ms}) is open (a shard locked
 * by another writer, a full disk), or a task failure ({@link ConnectException}) for a failed
 * force, a corrupt shard, or a problem that outlasted the window. I/O problems never go to the
 * dead letter queue: the records are fine, the disk is not.
 */
final class IoRetryWindow {

    private static final Logger log = LoggerFactory.getLogger(IoRetryWindow.class);

    private final long timeoutMs;
    private final SinkMetrics metrics;
    private long firstFailureMs = -1;

    IoRetryWindow(long timeoutMs, SinkMetrics metrics) {
        this.timeoutMs = timeoutMs;
        this.metrics = metrics;
    }

    /** Whether this problem can never be cured by waiting. */
    static boolean isFatal(IOException e) {
        return e instanceof ShardFailedException || e instanceof CorruptShardException;
    }

    /** Forgets the current failure streak after a success. */
    void succeeded() {
        firstFailureMs = -1;
    }

    /** The exception to throw for {@code e}, which happened while doing {@code what}. */
    RuntimeException handle(IOException e, String what) {
        if (isFatal(e)) {
            return new ConnectException("JadeVectorDB sink: " + what + " failed and cannot be retried: "
                    + e.getMessage() + ". The task stops; restarting it replays from the shards' last checkpoint", e);
        }
        long now = System.currentTimeMillis();
        if (firstFailureMs < 0) {
            firstFailureMs = now;
        }
        long elapsed = now - firstFailureMs;
        if (elapsed >= timeoutMs) {
            return new ConnectException("JadeVectorDB sink: " + what + " kept failing for " + elapsed + " ms (more than "
                    + VectorSinkConfig.IO_RETRY_TIMEOUT_MS_CONFIG + "=" + timeoutMs + "): " + e.getMessage()
                    + ". Fix the cause (free disk space, stop the other writer) and restart the task", e);
        }
        metrics.ioRetry();
        log.warn("{} failed, will retry (retrying for up to {} ms): {}", what, timeoutMs - elapsed, e.getMessage());
        return new RetriableException(what + " failed: " + e.getMessage(), e);
    }
}
