package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

/** The ready-to-use configs in config/ are valid and say the same thing in both forms. */
class ShippedConfigTest {

    private static Path config(String name) {
        Path fromModule = Paths.get("..", "config", name);
        return Files.exists(fromModule) ? fromModule : Paths.get("config", name);
    }

    private static Map<String, String> properties(String name) throws Exception {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(config(name))) {
            props.load(reader);
        }
        Map<String, String> map = new HashMap<>();
        props.stringPropertyNames().forEach(k -> map.put(k, props.getProperty(k)));
        return map;
    }

    @Test
    void standaloneConnectorConfigIsValid() throws Exception {
        Map<String, String> props = properties("jadevectordb-sink.properties");

        assertThat(new VectorSinkConnector().validate(props).configValues())
                .allSatisfy(v -> assertThat(v.errorMessages()).as(v.name()).isEmpty());
        assertThat(props).containsEntry("connector.class", VectorSinkConnector.class.getName());
    }

    @Test
    void distributedJsonMatchesTheStandaloneProperties() throws Exception {
        JsonNode json = new ObjectMapper().readTree(config("jadevectordb-sink.json").toFile());
        Map<String, String> config = new ObjectMapper().convertValue(json.get("config"),
                new TypeReference<Map<String, String>>() { });
        Map<String, String> props = properties("jadevectordb-sink.properties");
        String name = props.remove("name");

        assertThat(json.get("name").asText()).isEqualTo(name);
        assertThat(config).isEqualTo(props);
        assertThat(new VectorSinkConnector().validate(config).configValues()).extracting(ConfigValue::errorMessages)
                .allMatch(List::isEmpty);
    }

    @Test
    void standaloneWorkerDiscoversPluginsThroughServiceLoader() throws Exception {
        Map<String, String> worker = properties("connect-standalone.properties");

        assertThat(worker).containsEntry("plugin.discovery", "service_load").containsKey("plugin.path");
        assertThat(worker.get("listeners")).contains("127.0.0.1");
    }
}
