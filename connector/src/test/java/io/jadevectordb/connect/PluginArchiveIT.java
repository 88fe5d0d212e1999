package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.apache.kafka.tools.ConnectPluginPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The packaged plugin archive: Connect component layout, a service entry that
 * {@code plugin.discovery=service_load} finds, and none of Kafka's own classes.
 */
class PluginArchiveIT {

    /** The archive: named by failsafe's configuration, else the one in target/ (a run from an IDE after package). */
    private static Path archive() throws IOException {
        String path = System.getProperty("plugin.archive");
        if (path != null) {
            return Paths.get(path);
        }
        try (var found = Files.list(Paths.get("target"))) {
            return found.filter(p -> p.getFileName().toString().endsWith("-plugin.zip")).findFirst()
                    .orElseThrow(() -> new IOException("no target/*-plugin.zip: this test checks the packaged "
                            + "archive; run it with mvn verify (the archive is built in the package phase)"));
        }
    }

    private static List<String> entries(ZipFile zip) {
        List<String> names = new ArrayList<>();
        zip.stream().map(ZipEntry::getName).forEach(names::add);
        return names;
    }

    @Test
    void archiveHasTheConnectComponentLayout() throws IOException {
        try (ZipFile zip = new ZipFile(archive().toFile())) {
            List<String> names = entries(zip);
            String base = names.get(0).substring(0, names.get(0).indexOf('/') + 1);

            assertThat(names).contains(base + "manifest.json", base + "doc/connector.md",
                    base + "etc/jadevectordb-sink.properties", base + "etc/jadevectordb-sink.json",
                    base + "etc/connect-standalone.properties");
            assertThat(names).anyMatch(n -> n.startsWith(base + "lib/jadevectordb-kafka-connect-") && n.endsWith(".jar"));
            assertThat(names).anyMatch(n -> n.startsWith(base + "lib/jadevectordb-engine-") && n.endsWith(".jar"));
            JsonNode manifest = new ObjectMapper().readTree(zip.getInputStream(zip.getEntry(base + "manifest.json")));
            assertThat(manifest.get("component_types").get(0).asText()).isEqualTo("sink");
            assertThat(manifest.get("version").asText()).doesNotContain("${");
        }
    }

    @Test
    void connectPluginPathFindsTheSinkInTheUnpackedArchiveThroughItsServiceManifest(@TempDir Path pluginPath)
            throws IOException {
        Path location = unzip(archive(), pluginPath);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int exit = ConnectPluginPath.mainNoExit(new String[] {"list", "--plugin-location", location.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        String listing = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("connect-plugin-path exit code; stderr: %s", err).isZero();
        assertThat(listing.lines().filter(l -> l.startsWith(VectorSinkConnector.class.getName())))
                .as("connect-plugin-path list output:%n%s", listing)
                .singleElement()
                .satisfies(row -> assertThat(row.split("\\t"))
                        // pluginName, firstAlias, secondAlias, pluginVersion, pluginType, isLoadable, hasManifest, pluginLocation
                        .containsExactly(VectorSinkConnector.class.getName(), "VectorSinkConnector", "VectorSink",
                                SinkVersion.VERSION, "sink", "true", "true", location.toString()));
    }

    private static Path unzip(Path zipFile, Path into) throws IOException {
        Path top = null;
        try (ZipFile zip = new ZipFile(zipFile.toFile())) {
            for (ZipEntry entry : entries(zip).stream().map(zip::getEntry).toList()) {
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("archive entry " + entry.getName() + " escapes the target directory");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    if (top == null) {
                        top = target;
                    }
                } else {
                    Files.createDirectories(target.getParent());
                    try (InputStream in = zip.getInputStream(entry)) {
                        Files.copy(in, target);
                    }
                }
            }
        }
        return top;
    }

    @Test
    void libHoldsNoKafkaOrLoggingBindingClassesAndRegistersTheConnector() throws IOException {
        List<String> classes = new ArrayList<>();
        String services = null;
        try (ZipFile zip = new ZipFile(archive().toFile())) {
            for (String name : entries(zip)) {
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
