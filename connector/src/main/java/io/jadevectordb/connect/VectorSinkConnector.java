package io.jadevectordb.connect;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
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
        log.info("JadeVectorDB sink {} starting: data.dir={}, database.routing={}, id.source={}",
                version(), config.dataDir(), config.getString(VectorSinkConfig.DATABASE_ROUTING_CONFIG),
                config.getString(VectorSinkConfig.ID_SOURCE_CONFIG));
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
     * Accepts an offset reset or removal through the Connect REST API (KIP-875) only when the
     * tasks will honour it: for partitions without local state in {@code data.dir}, and, with
     * {@code replay.from.earliest=true}, only a removal (or offset 0). Anything else is refused
     * with the reason and the fix (see {@link OffsetResetGuard}), never accepted and ignored.
     */
    @Override
    public boolean alterOffsets(Map<String, String> connectorConfig, Map<TopicPartition, Long> offsets) {
        OffsetResetGuard.check(new VectorSinkConfig(connectorConfig), offsets);
        offsets.forEach((tp, offset) -> log.info("offset of {} altered to {} through the REST API", tp,
                offset == null ? "(removed: replayed from the earliest offset)" : offset));
        return true;
    }
}
