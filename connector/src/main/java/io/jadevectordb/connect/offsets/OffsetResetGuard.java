package io.jadevectordb.connect.offsets;

import java.lang.management.ManagementFactory;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;

import io.jadevectordb.connect.VectorSinkConfig;

/**
 * Decides whether an offset reset through the REST API (KIP-875) can be carried out, and
 * refuses it with the reason and the fix when it cannot. A reset is carried out through the
 * {@link OffsetResetJournal} in {@code data.dir} of the worker that handles the request, so it
 * works only where that worker sees the tasks' {@code data.dir} ({@code offsets.reset}).
 */
public final class OffsetResetGuard {

    /** The distributed herder registers this group; a standalone worker does not. */
    private static final String DISTRIBUTED_WORKER_MBEANS = "kafka.connect:type=connect-worker-rebalance-metrics,*";
    /** Every Connect worker (with its default JMX reporter) registers this group. */
    private static final String WORKER_MBEANS = "kafka.connect:type=connect-worker-metrics,*";

    private OffsetResetGuard() {
    }

    /**
     * @throws ConnectException naming the partitions, the reason and the fix, when the reset
     *                          would not reach the tasks' local state
     */
    public static void check(VectorSinkConfig config, Map<TopicPartition, Long> offsets) {
        String refusal = switch (config.offsetsReset()) {
            case LOCAL -> null;
            case REFUSE -> VectorSinkConfig.OFFSETS_RESET_CONFIG + "=refuse";
            case AUTO -> refusalInThisWorker();
        };
        if (refusal != null) {
            throw new ConnectException("JadeVectorDB sink: refusing the offset reset of " + offsets.keySet() + ": "
                    + refusal + ". A task resumes a partition after its shards' checkpoint in " + VectorSinkConfig.DATA_DIR_CONFIG
                    + ", so a reset must reach the worker that holds the shards. Either set "
                    + VectorSinkConfig.OFFSETS_RESET_CONFIG + "=local when the worker that handles REST requests sees the "
                    + "tasks' " + VectorSinkConfig.DATA_DIR_CONFIG + " (" + config.dataDir() + "): a single worker, or "
                    + "storage every worker shares; or reset by hand: keep the connector stopped, on each worker move the "
                    + "partition's shard files (" + config.dataDir() + "/*/<topic>-<partition>.jvdb*) and markers ("
                    + config.dataDir() + "/*/sources/<topic>-<partition>) aside, then resume (the partition is replayed "
                    + "from its earliest offset with " + VectorSinkConfig.REPLAY_FROM_EARLIEST_CONFIG
                    + "=true, else from the committed offset)");
        }
    }

    /** Why {@code auto} refuses here, or null when this is a standalone worker. */
    private static String refusalInThisWorker() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        if (!server.queryNames(objectName(DISTRIBUTED_WORKER_MBEANS), null).isEmpty()) {
            return "this is a distributed Connect worker (" + VectorSinkConfig.OFFSETS_RESET_CONFIG + "=auto), whose "
                    + VectorSinkConfig.DATA_DIR_CONFIG + " need not be the one holding the partitions' shards";
        }
        if (server.queryNames(objectName(WORKER_MBEANS), null).isEmpty()) {
            return "cannot tell whether this Connect worker is standalone (" + VectorSinkConfig.OFFSETS_RESET_CONFIG
                    + "=auto found no Connect worker metrics over JMX; is the JmxReporter removed from metric.reporters?)";
        }
        return null;
    }

    private static ObjectName objectName(String pattern) {
        try {
            return new ObjectName(pattern);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(pattern, e);
        }
    }
}
