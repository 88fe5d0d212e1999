package io.jadevectordb.connect;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.connect.offsets.OffsetResetGuard;
import io.jadevectordb.connect.offsets.OffsetResetJournal;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

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
        discardStaleResets(config, props);
        log.info("JadeVectorDB sink {} starting: {}, {}, {}", version(),
                VectorSinkConfig.setting(VectorSinkConfig.DATA_DIR_CONFIG, config.dataDir()),
                VectorSinkConfig.setting(VectorSinkConfig.DATABASE_FIELD_CONFIG, config.databaseField().orElse("")),
                VectorSinkConfig.setting(VectorSinkConfig.ID_SOURCE_CONFIG, config.idSource()));
    }

    /**
     * Resets recorded for topics this connector no longer consumes are discarded when it starts
     * ({@link OffsetResetJournal#discardUnconsumed}); a failure to do so is logged, not fatal:
     * such a reset waits for a partition no task opens.
     */
    private static void discardStaleResets(VectorSinkConfig config, Map<String, String> props) {
        try {
            new OffsetResetJournal(config.dataDir()).discardUnconsumed(consumedTopics(props));
        } catch (IOException | RuntimeException e) {
            log.warn("cannot discard the offset resets of topics the connector no longer consumes in {}: {}",
                    config.dataDir().resolve(OffsetResetJournal.DIRECTORY), e.toString());
        }
    }

    /** Whether the connector consumes a topic: its {@code topics} list, or its {@code topics.regex}. */
    private static Predicate<String> consumedTopics(Map<String, String> props) {
        String regex = props.get(SinkTask.TOPICS_REGEX_CONFIG);
        if (regex != null && !regex.isBlank()) {
            return Pattern.compile(regex).asMatchPredicate();
        }
        Set<String> topics = new HashSet<>(List.of(props.getOrDefault(SinkTask.TOPICS_CONFIG, "").trim().split("\\s*,\\s*")));
        return topics::contains;
    }

    /**
     * A removal ({@code DELETE}, or a {@code PATCH} of null offsets only) names only the
     * partitions the consumer group has an offset for; one whose offset expired
     * ({@code offsets.retention.minutes}) or was never committed would keep its local state and
     * resume from its checkpoint, as if nothing had been reset. So a removal covers every
     * partition of the connector's topics that has local state in {@code data.dir} as well.
     */
    private static Map<TopicPartition, Long> withLocalState(VectorSinkConfig config, Map<String, String> props,
                                                            Map<TopicPartition, Long> offsets) {
        if (offsets.values().stream().anyMatch(Objects::nonNull) || !Files.isDirectory(config.dataDir())) {
            return offsets;
        }
        Map<TopicPartition, Long> all = new HashMap<>(offsets);
        Predicate<String> consumed = consumedTopics(props);
        try (VectorStore store = VectorStore.open(config.dataDir(), StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            for (String name : store.databaseNames()) {
                for (SourcePartition source : store.database(name).orElseThrow().sources()) {
                    TopicPartition tp = new TopicPartition(source.stream(), source.partition());
                    if (consumed.test(source.stream()) && !all.containsKey(tp)) {
                        all.put(tp, null);
                        log.warn("{}: has local state in {} but no offset in the consumer group (expired or never "
                                + "committed); the removal of the connector's offsets resets it too", tp, config.dataDir());
                    }
                }
            }
        } catch (IOException e) {
            throw new ConnectException("JadeVectorDB sink: cannot list the partitions with local state in " + config.dataDir()
                    + " (" + VectorSinkConfig.DATA_DIR_CONFIG + ") to reset them all: " + e.getMessage()
                    + "; fix the cause and repeat the request", e);
        }
        return all;
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
        Map<TopicPartition, Long> resets = withLocalState(config, connectorConfig, offsets);
        OffsetResetJournal journal = new OffsetResetJournal(config.dataDir());
        try {
            journal.record(resets);
        } catch (IOException e) {
            throw new ConnectException("JadeVectorDB sink: cannot record the offset reset of " + offsets.keySet() + " in "
                    + journal.directory() + " (" + VectorSinkConfig.DATA_DIR_CONFIG + "): " + e.getMessage()
                    + "; check that the directory is writable by the worker, then repeat the request", e);
        }
        resets.forEach((tp, offset) -> log.warn("{}: offset reset through the REST API recorded in {}: at the next start "
                + "the partition's local state is dropped and it is replayed from {}", tp, journal.directory(),
                offset == null ? "the earliest offset" : "offset " + offset));
        return true;
    }
}
