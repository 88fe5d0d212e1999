package io.jadevectordb.connect;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JadeVectorDB sink connector: validates the configuration and hands it unchanged to
 * {@code tasks.max} {@link VectorSinkTask}s. Kafka Connect spreads topic partitions over the
 * tasks; each partition feeds its own shard files, so tasks never share a writer.
 */
public class VectorSinkConnector extends SinkConnector {

    private static final Logger log = LoggerFactory.getLogger(VectorSinkConnector.class);

    private Map<String, String> props;

    @Override
    public String version() {
        return SinkVersion.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        VectorSinkConfig config = new VectorSinkConfig(props);
        this.props = Map.copyOf(props);
        log.info("JadeVectorDB sink {} starting: {}, {}, {}", version(),
                VectorSinkConfig.setting(VectorSinkConfig.DATA_DIR_CONFIG, config.dataDir()),
                VectorSinkConfig.setting(VectorSinkConfig.DATABASE_FIELD_CONFIG, config.databaseField().orElse("")),
                VectorSinkConfig.setting(VectorSinkConfig.ID_SOURCE_CONFIG, config.idSource()));
    }

    @Override
    public Class<? extends Task> taskClass() {
        return VectorSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            configs.add(new HashMap<>(props));
        }
        return configs;
    }

    @Override
    public void stop() {
        log.info("JadeVectorDB sink stopping");
    }

    @Override
    public ConfigDef config() {
        return VectorSinkConfig.CONFIG_DEF;
    }

    /** Validates every key (types, ranges, choices) and then the cross-key rules, reporting each with its fix. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        Map<String, ConfigValue> byName = new HashMap<>();
        config.configValues().forEach(v -> byName.put(v.name(), v));
        boolean keysValid = config.configValues().stream().allMatch(v -> v.errorMessages().isEmpty());
        if (keysValid) {
            for (VectorSinkConfig.Problem problem : VectorSinkConfig.problems(connectorConfigs)) {
                ConfigValue value = byName.get(problem.key());
                if (value != null) {
                    value.addErrorMessage(problem.message());
                }
            }
        }
        return config;
    }

    /**
     * Accepts an offset reset or removal through the Connect REST API (KIP-875) and records it
     * in {@code data.dir} ({@link OffsetResetJournal}): the task that next opens each partition
     * drops its local state and replays it from the given offset, or from the earliest for a
     * removal. Refused with the reason and the fix where this worker cannot reach the tasks'
     * {@code data.dir} ({@link OffsetResetGuard}); never accepted and ignored.
     */
    @Override
    public boolean alterOffsets(Map<String, String> connectorConfig, Map<TopicPartition, Long> offsets) {
        VectorSinkConfig config = new VectorSinkConfig(connectorConfig);
        OffsetResetGuard.check(config, offsets);
        OffsetResetJournal journal = new OffsetResetJournal(config.dataDir());
        try {
            journal.record(offsets);
        } catch (IOException e) {
            throw new ConnectException("JadeVectorDB sink: cannot record the offset reset of " + offsets.keySet() + " in "
                    + journal.directory() + " (" + VectorSinkConfig.DATA_DIR_CONFIG + "): " + e.getMessage()
                    + "; check that the directory is writable by the worker, then repeat the request", e);
        }
        offsets.forEach((tp, offset) -> log.warn("{}: offset reset through the REST API recorded in {}: at the next start "
                + "the partition's local state is dropped and it is replayed from {}", tp, journal.directory(),
                offset == null ? "the earliest offset" : "offset " + offset));
        return true;
    }
}
