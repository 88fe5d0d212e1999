package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.zip.ZipFile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.connect.runtime.isolation.PluginClassLoader;
import org.apache.kafka.connect.runtime.isolation.PluginScanResult;
import org.apache.kafka.connect.runtime.isolation.PluginSource;
import org.apache.kafka.connect.runtime.isolation.PluginUtils;
import org.apache.kafka.connect.runtime.isolation.ServiceLoaderScanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.fixtures.PluginArchive;

/**
 * The packaged plugin archive: Connect component layout, a service entry that
 * {@code plugin.discovery=service_load} finds, and none of Kafka's own classes.
 */
class PluginArchiveIT {

    @Test
    void archiveHasTheConnectComponentLayout() throws IOException {
        try (ZipFile zip = new ZipFile(PluginArchive.path().toFile())) {
            List<String> names = PluginArchive.entries(zip);
            String base = names.get(0).substring(0, names.get(0).indexOf('/') + 1);

            assertThat(names).contains(base + "manifest.json", base + "doc/connector.md",
                    base + "etc/jadevectordb-sink.properties", base + "etc/jadevectordb-sink.json",
                    base + "etc/connect-standalone.properties", base + "LICENSE", base + "NOTICE");
            assertThat(names).anyMatch(n -> n.startsWith(base + "lib/jadevectordb-kafka-connect-") && n.endsWith(".jar"));
            assertThat(names).anyMatch(n -> n.startsWith(base + "lib/jadevectordb-engine-") && n.endsWith(".jar"));
            JsonNode manifest = new ObjectMapper().readTree(zip.getInputStream(zip.getEntry(base + "manifest.json")));
            assertThat(manifest.get("component_types").get(0).asText()).isEqualTo("sink");
            assertThat(manifest.get("version").asText()).doesNotContain("${");
            assertThat(manifest.get("license").get(0).get("name").asText()).isEqualTo("Apache License 2.0");
        }
    }

    @Test
    void serviceLoaderDiscoveryFindsTheSinkInTheUnpackedArchiveInItsOwnClassLoader(@TempDir Path pluginPath)
            throws IOException {
        Path location = PluginArchive.unzip(PluginArchive.path(), pluginPath);
        // What a worker with plugin.path=<pluginPath> and plugin.discovery=service_load does with
        // this location: an isolated PluginClassLoader over lib/*.jar, then ServiceLoader scanning.
        PluginSource source = PluginUtils.isolatedPluginSource(location, PluginArchiveIT.class.getClassLoader(),
                PluginClassLoader::new);

        PluginScanResult found = new ServiceLoaderScanner().discoverPlugins(Set.of(source));

        assertThat(found.sinkConnectors()).singleElement().satisfies(sink -> {
            assertThat(sink.className()).isEqualTo(VectorSinkConnector.class.getName());
            assertThat(sink.version()).isEqualTo(SinkVersion.VERSION);
            assertThat(sink.pluginClass().getClassLoader()).as("loaded from the archive, not the test classpath")
                    .isInstanceOf(PluginClassLoader.class).isNotSameAs(VectorSinkConnector.class.getClassLoader());
        });
        assertThat(found.converters()).extracting(c -> c.className())
                .contains("io.jadevectordb.connect.avro.VectorMutationAvroConverter");
    }

    @Test
    void libHoldsNoKafkaOrLoggingBindingClassesAndRegistersTheConnector() throws IOException {
        List<String> classes = new ArrayList<>();
        String services = null;
        try (ZipFile zip = new ZipFile(PluginArchive.path().toFile())) {
            for (String name : PluginArchive.entries(zip)) {
                if (!name.contains("/lib/") || !name.endsWith(".jar")) {
                    continue;
                }
                assertThat(name).as("jar in lib/").doesNotContain("kafka-clients", "connect-api", "slf4j");
                byte[] jar;
                try (InputStream in = zip.getInputStream(zip.getEntry(name))) {
                    jar = in.readAllBytes();
                }
                try (JarInputStream entries = new JarInputStream(new ByteArrayInputStream(jar))) {
                    for (JarEntry e = entries.getNextJarEntry(); e != null; e = entries.getNextJarEntry()) {
                        if (e.getName().endsWith(".class")) {
                            classes.add(e.getName());
                        }
                        if (e.getName().equals("META-INF/services/org.apache.kafka.connect.sink.SinkConnector")) {
                            services = new String(entries.readAllBytes(), StandardCharsets.UTF_8).trim();
                        }
                    }
                }
            }
        }

        assertThat(classes).contains("io/jadevectordb/connect/VectorSinkConnector.class",
                "io/jadevectordb/engine/VectorStore.class");
        assertThat(classes).noneMatch(c -> c.startsWith("org/apache/kafka/") || c.startsWith("org/slf4j/"));
        assertThat(services).isEqualTo(VectorSinkConnector.class.getName());
    }
}
