package io.jadevectordb.connect;

import java.util.Map;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a bad record (a data error, never an I/O error): under
 * {@code errors.tolerance=all} it goes to Connect's {@link ErrantRecordReporter} (the dead
 * letter queue and/or error log) with its reason and is logged; otherwise the task fails with
 * the reason. A bad record never disappears silently.
 */
final class ErrantRecordRouter {

    private static final Logger log = LoggerFactory.getLogger(ErrantRecordRouter.class);

    /** Connect's own key, read from the connector config the task receives. */
    static final String ERRORS_TOLERANCE_CONFIG = "errors.tolerance";

    private final boolean tolerateAll;
    private final ErrantRecordReporter reporter;
    private final SinkMetrics metrics;

    ErrantRecordRouter(Map<String, String> props, ErrantRecordReporter reporter, SinkMetrics metrics) {
        this.tolerateAll = "all".equalsIgnoreCase(props.getOrDefault(ERRORS_TOLERANCE_CONFIG, "none").trim());
        this.reporter = reporter;
        this.metrics = metrics;
    }

    /**
     * Routes one bad record.
     *
     * @throws ConnectException when errors are not tolerated (the task fails)
     */
    void reject(SinkRecord record, InvalidRecordException error) {
        metrics.rejected();
        if (!tolerateAll) {
            throw new ConnectException("JadeVectorDB sink: bad record, failing the task (errors.tolerance=none): "
                    + error.getMessage() + ". To send bad records to a dead letter queue instead, set "
                    + "errors.tolerance=all and errors.deadletterqueue.topic.name", error);
        }
        log.warn("bad record sent to the dead letter queue: {}", error.getMessage());
        if (reporter != null) {
            reporter.report(record, error);
        } else {
            log.warn("no dead letter queue configured (errors.deadletterqueue.topic.name): the bad record at {} "
                    + "is skipped and only logged here", error.position());
        }
    }
}
