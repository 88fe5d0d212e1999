package io.jadevectordb.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the local harnesses (the quickstart, the deployment test, the end-to-end benchmark)
 * deploy and produce with, in one place: the shipped connector config
 * ({@code config/jadevectordb-sink.json}, as a user deploys it) with a run's own settings on
 * top, and the producer of keyed, Confluent-wire-format values.
 */
public final class PipelineConfig {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PipelineConfig() {
    }

    /**
     * The shipped connector config, then {@code overrides} on top, then what is this run's own:
     * its topics, task count, data directory and schema registry.
     *
     * @param connectorJson the REST-API document ({@code config/jadevectordb-sink.json}); its {@code config} object
     */
    public static Map<String, String> sinkConnector(Path connectorJson, Map<String, String> overrides, Collection<String> topics,
                                                    int tasks, Path dataDir, String registryUrl) throws IOException {
        Map<String, String> config = new LinkedHashMap<>();
        JSON.readTree(connectorJson.toFile()).path("config").properties()
                .forEach(e -> config.put(e.getKey(), e.getValue().asText()));
        config.putAll(overrides);
        config.put("tasks.max", Integer.toString(tasks));
        config.put("topics", String.join(",", topics));
        config.put("data.dir", dataDir.toString());
        config.put("value.converter.schema.registry.url", registryUrl);
        return config;
    }

    /**
     * A producer of values keyed by id: every replica acknowledges, and idempotence keeps each
     * partition in the order sent (the sink's semantics depend on it).
     *
     * @param tuning throughput settings on top ({@link ProducerConfig} names)
     */
    public static KafkaProducer<String, byte[]> producer(String bootstrapServers, Map<String, Object> tuning) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putAll(tuning);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }
}
