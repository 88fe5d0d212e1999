package io.jadevectordb.connect.apply;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.connect.SinkMetrics;
import io.jadevectordb.connect.VectorSinkConfig;

/**
 * What happens to a bad record (a data error, never an I/O error): under
 * {@code errors.tolerance=all} it goes to Connect's {@link ErrantRecordReporter} (the dead
 * letter queue and/or error log) with its reason and is logged; otherwise the task fails with
 * the reason. A bad record never disappears silently.
 */
public final class ErrantRecordRouter {

    private static final Logger log = LoggerFactory.getLogger(ErrantRecordRouter.class);

    /** Connect's own key, read from the connector config the task receives. */
    static final String ERRORS_TOLERANCE_CONFIG = "errors.tolerance";
    /** Connect's own key of the dead letter queue topic (connect-runtime's constant is not on the plugin's classpath). */
    static final String DLQ_TOPIC_NAME_CONFIG = "errors.deadletterqueue.topic.name";

    private final boolean tolerateAll;
    private final ErrantRecordReporter reporter;
    private final SinkMetrics metrics;
    /** Reports not yet known to be written; offsets past them must wait (see {@link #awaitReported()}). */
    private final List<Future<Void>> pending = new ArrayList<>();
    /**
     * Why the task must fail: a bad record under {@code errors.tolerance=none}, or a dead letter
     * that could not be written. Once set the task never commits again (see {@link #failure()}).
     */
    private ConnectException failure;

    public ErrantRecordRouter(Map<String, String> props, ErrantRecordReporter reporter, SinkMetrics metrics) {
        this.tolerateAll = "all".equalsIgnoreCase(props.getOrDefault(ERRORS_TOLERANCE_CONFIG, "none").trim());
        this.reporter = reporter;
        this.metrics = metrics;
    }

    /**
     * Routes one bad record.
     *
     * @throws ConnectException when errors are not tolerated (the task fails)
     */
    public void reject(SinkRecord record, InvalidRecordException error) {
        metrics.rejected();
        if (!tolerateAll) {
            throw fail(new ConnectException("JadeVectorDB sink: bad record, failing the task ("
                    + VectorSinkConfig.setting(ERRORS_TOLERANCE_CONFIG, "none") + "): " + error.getMessage()
                    + ". To send bad records to a dead letter queue instead, set "
                    + VectorSinkConfig.setting(ERRORS_TOLERANCE_CONFIG, "all") + " and " + DLQ_TOPIC_NAME_CONFIG, error));
        }
        log.warn("bad record sent to the dead letter queue: {}", error.getMessage());
        if (reporter != null) {
            Future<Void> written = reporter.report(record, error);
            if (written != null) {
                pending.add(written);
            }
        } else {
            log.warn("no dead letter queue configured ({}): the bad record at {} "
                    + "is skipped and only logged here", DLQ_TOPIC_NAME_CONFIG, error.position());
        }
    }

    /** Whether bad records were reported whose dead letters are not yet known to be written. */
    boolean hasPending() {
        return !pending.isEmpty();
    }

    /**
     * Waits until every bad record reported so far is written to the dead letter queue. Connect
     * awaits reports before it calls {@code preCommit}, not those made during it (the sink applies,
     * and may reject, inside {@code preCommit}), so the sink waits itself: before any checkpoint
     * moves, and before it applies anything that follows a reported record.
     *
     * @throws ConnectException when a report could not be written: no offset past it is committed
     */
    void awaitReported() {
        if (failure != null) {
            throw failure;
        }
        try {
            for (Future<Void> written : pending) {
                written.get();
            }
        } catch (ExecutionException e) {
            throw fail(new ConnectException("JadeVectorDB sink: writing a bad record to the dead letter queue failed ("
                    + e.getCause() + "); no checkpoint or offset past it is committed and the task stops, so the "
                    + "record is applied or reported again when the task restarts. Check that the dead letter topic "
                    + "(" + DLQ_TOPIC_NAME_CONFIG + ") exists, is writable and accepts records of this size, "
                    + "then restart the task", e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail(new ConnectException("JadeVectorDB sink: interrupted while waiting for dead letter queue writes; "
                    + "no checkpoint past them is committed", e));
        } finally {
            pending.clear();
        }
    }

    /**
     * The failure that stops this task, or null. A failed task commits nothing more: the
     * rejected record must be met again (failed on, or reported) when the partition is replayed.
     */
    ConnectException failure() {
        return failure;
    }

    /** Fails the task with {@code e} for good (nothing more is committed); returns it for throwing. */
    ConnectException failTask(ConnectException e) {
        return fail(e);
    }

    private ConnectException fail(ConnectException e) {
        if (failure == null) {
            failure = e;
        }
        return e;
    }
}
