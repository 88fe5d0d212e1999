package io.jadevectordb.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apicurio Registry 2.x (in-memory storage) running as a separate JVM process on a free
 * loopback port, for tests and benchmarks. The build unpacks
 * {@code io.apicurio:apicurio-registry-app:zip:all} into {@code target/apicurio-registry}; the
 * system property {@code apicurio.registry.home} points elsewhere.
 *
 * <pre>
 * try (ApicurioRegistry registry = ApicurioRegistry.start()) {
 *     String url = registry.confluentApiUrl();  // .../apis/ccompat/v7
 * }
 * </pre>
 * JUnit 5 tests use {@link ApicurioRegistryExtension}.
 */
public final class ApicurioRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApicurioRegistry.class);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);

    private final Process process;
    private final int port;
    private final Path logFile;

    private ApicurioRegistry(Process process, int port, Path logFile) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
    }

    /**
     * Starts a registry and waits until it reports ready.
     *
     * @return the running registry; close it to stop the process
     * @throws IOException if the runner jar is missing or the process does not become ready
     */
    public static ApicurioRegistry start() throws IOException {
        Path home = Paths.get(System.getProperty("apicurio.registry.home", "target/apicurio-registry"));
        Path runner = findRunner(home);
        int port = freeLoopbackPort();
        Path logFile = home.resolve("registry-" + port + ".log");
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(
                java.toString(),
                "-Xmx384m",
                "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.log.level=WARN",
                "-jar", runner.toString()))
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        long t0 = System.nanoTime();
        Process process = pb.start();
        // A test JVM that exits without close() (Ctrl-C, a crashed fork) must not leave a registry behind.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "apicurio-registry-" + port + "-stop"));
        ApicurioRegistry registry = new ApicurioRegistry(process, port, logFile);
        boolean success = false;
        try {
            registry.awaitReady();
            success = true;
        } finally {
            if (!success) {
                registry.close();
            }
        }
        log.info("Apicurio Registry ready at {} after {} ms (log: {})",
                registry.baseUrl(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), logFile);
        return registry;
    }

    private static Path findRunner(Path home) throws IOException {
        if (!Files.isDirectory(home)) {
            throw new IOException("Apicurio Registry is not unpacked at " + home.toAbsolutePath()
                    + "; run the build through Maven (mvn -pl connector -am verify), which unpacks "
                    + "io.apicurio:apicurio-registry-app:zip:all there, or set -Dapicurio.registry.home");
        }
        try (Stream<Path> files = Files.list(home)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst()
                    .orElseThrow(() -> new IOException("no *-runner.jar in " + home.toAbsolutePath()));
        }
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitReady() throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(baseUrl() + "/health/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Apicurio Registry exited with code " + process.exitValue()
                        + " before it was ready; its log: " + logFile + "\n" + logTail());
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet: the process is still starting.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for Apicurio Registry", e);
            }
            sleep(100);
        }
        throw new IOException("Apicurio Registry on port " + port + " not ready after " + STARTUP_TIMEOUT
                + "; its log: " + logFile + "\n" + logTail());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** The Confluent-compatible API, for Confluent-style clients and the fast-path converter. */
    public String confluentApiUrl() {
        return baseUrl() + "/apis/ccompat/v7";
    }

    /** Apicurio's native v2 API, for Apicurio's own serdes and converters. */
    public String registryV2Url() {
        return baseUrl() + "/apis/registry/v2";
    }

    /** Stops the process (SIGTERM, then SIGKILL after 10 s) and waits for it. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
