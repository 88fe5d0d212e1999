package io.jadevectordb.quickstart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where the quickstart finds what the build made: the unpacked plugin, the unpacked registry,
 * the schema and the connector JSON. Paths come from system properties set by the build and
 * the launcher script, with defaults relative to the repository root.
 */
final class Layout {

    private Layout() {
    }

    private static Path repo() {
        return Path.of(System.getProperty("jvdb.repo", ".")).toAbsolutePath().normalize();
    }

    /** The {@code plugin.path} holding the unpacked connector archive. */
    static Path pluginPath() {
        return Path.of(System.getProperty("jvdb.plugin.path", repo().resolve("quickstart/target/plugins").toString()));
    }

    static Path apicurioHome() {
        return Path.of(System.getProperty("apicurio.registry.home", repo().resolve("quickstart/target/apicurio-registry").toString()));
    }

    static Path schemaFile() {
        return repo().resolve("schemas/vector_mutation.avsc");
    }

    static Path connectorJson() {
        return repo().resolve("config/jadevectordb-sink.json");
    }

    /** Fails early, naming what is missing and the command that builds it. */
    static void check() {
        for (Path p : new Path[] {schemaFile(), connectorJson()}) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException(p + " is missing; run from the repository root (or set -Djvdb.repo)");
            }
        }
        try (Stream<Path> plugins = Files.list(pluginPath())) {
            if (plugins.findAny().isEmpty()) {
                throw new IllegalStateException("no plugin in " + pluginPath() + "; build it: mvn -B -ntp install -DskipTests");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("no plugin directory " + pluginPath() + "; build it: mvn -B -ntp install -DskipTests", e);
        }
    }
}
