package io.jadevectordb.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A distributed Kafka Connect worker ({@code ConnectDistributed}) in its own JVM, loading
 * plugins from {@code plugin.path} only, with its REST API on 127.0.0.1. It can be killed
 * with SIGKILL and restarted on the same port, group and internal topics, as an operator's
 * supervisor would.
 */
public final class LocalConnectWorker implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Path config;
    private final int restPort;
    private final List<String> jvmOptions;
    private final String classpath;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private JavaProcess process;
    private int starts;

    private LocalConnectWorker(Path dir, Path config, int restPort, List<String> jvmOptions, String classpath) {
        this.dir = dir;
        this.config = config;
        this.restPort = restPort;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.classpath = classpath;
    }

    /**
     * Writes the worker config and starts the worker.
     *
     * @param overrides extra worker properties (they win over the defaults)
     */
    public static LocalConnectWorker start(Path dir, String bootstrapServers, Path pluginPath, Map<String, String> overrides)
            throws IOException, InterruptedException {
        return start(dir, bootstrapServers, pluginPath, overrides, List.of("-Xmx768m"), JavaProcess.kafkaClasspath());
    }

    /**
     * Writes the worker config and starts the worker with these JVM options (heap, JMX, ...) and
     * class path (Kafka's jars; plugins come from {@code pluginPath}).
     *
     * @param overrides extra worker properties (they win over the defaults)
     */
    public static LocalConnectWorker start(Path dir, String bootstrapServers, Path pluginPath, Map<String, String> overrides,
                                           List<String> jvmOptions, String classpath) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int restPort = JavaProcess.freePort();
        Map<String, String> p = new TreeMap<>();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("group.id", "jvdb-connect");
        p.put("config.storage.topic", "_jvdb-connect-configs");
        p.put("offset.storage.topic", "_jvdb-connect-offsets");
        p.put("status.storage.topic", "_jvdb-connect-status");
        p.put("config.storage.replication.factor", "1");
        p.put("offset.storage.replication.factor", "1");
        p.put("status.storage.replication.factor", "1");
        p.put("offset.storage.partitions", "5");
        p.put("status.storage.partitions", "1");
        p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("listeners", "http://127.0.0.1:" + restPort);
        p.put("rest.advertised.host.name", "127.0.0.1");
        p.put("plugin.path", pluginPath.toAbsolutePath().toString());
        p.put("plugin.discovery", "service_load");
        // Recover from a SIGKILL in seconds: no delayed rebalance, short sessions, frequent commits.
        p.put("scheduled.rebalance.max.delay.ms", "0");
        p.put("consumer.session.timeout.ms", "10000");
        p.put("consumer.heartbeat.interval.ms", "1000");
        p.put("session.timeout.ms", "10000");
        p.put("heartbeat.interval.ms", "1000");
        p.put("offset.flush.interval.ms", "2000");
        p.putAll(overrides);
        StringBuilder text = new StringBuilder();
        p.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Path config = dir.resolve("worker.properties");
        Files.writeString(config, text.toString(), StandardCharsets.UTF_8);
        LocalConnectWorker worker = new LocalConnectWorker(dir, config, restPort, jvmOptions, classpath);
        worker.startProcess();
        return worker;
    }

    private void startProcess() throws IOException, InterruptedException {
        starts++;
        process = JavaProcess.start("connect-worker", classpath, jvmOptions,
                "org.apache.kafka.connect.cli.ConnectDistributed", List.of(config.toString()),
                dir.resolve("worker.log"));
        process.awaitPort(restPort, Duration.ofSeconds(90));
        awaitRest();
    }

    private void awaitRest() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (send("GET", "/connectors", null).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new IOException("Connect worker REST API on port " + restPort + " not ready" + process.tail(40));
    }

    /** SIGKILL the worker, as a crash or an OOM killer would. */
    public void kill() throws InterruptedException {
        process.kill();
    }

    /** Starts the worker again after {@link #kill()} or {@link #stop()}. */
    public void restart() throws IOException, InterruptedException {
        if (process.isAlive()) {
            throw new IllegalStateException("worker still running (pid " + process.pid() + ")");
        }
        startProcess();
    }

    /** SIGTERM: the worker stops its tasks cleanly. */
    public void stop() throws InterruptedException {
        process.stop(Duration.ofSeconds(60));
    }

    public int starts() {
        return starts;
    }

    public String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    public JavaProcess process() {
        return process;
    }

    /** {@code PUT /connectors/{name}/config}: creates or updates a connector. */
    public void putConnector(String name, Map<String, String> config) throws IOException, InterruptedException {
        HttpResponse<String> response = send("PUT", "/connectors/" + name + "/config", JSON.writeValueAsString(config));
        if (response.statusCode() / 100 != 2) {
            throw new IOException("PUT connector " + name + ": HTTP " + response.statusCode() + " " + response.body());
        }
    }

    /** {@code POST /connectors} with a JSON document such as the ones in {@code config/}. */
    public void createConnector(String json) throws IOException, InterruptedException {
        HttpResponse<String> response = send("POST", "/connectors", json);
        if (response.statusCode() / 100 != 2 && response.statusCode() != 409) {
            throw new IOException("POST /connectors: HTTP " + response.statusCode() + " " + response.body());
        }
    }

    /** {@code DELETE /connectors/{name}}, then waits (up to 60 s) until the worker no longer knows it. */
    public void deleteConnector(String name) throws IOException, InterruptedException {
        send("DELETE", "/connectors/" + name, null);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && send("GET", "/connectors/" + name, null).statusCode() != 404) {
            Thread.sleep(200);
        }
    }

    /** {@code PUT /connectors/{name}/stop}, then waits (up to 60 s) until the connector is STOPPED (its tasks closed). */
    public void stopConnector(String name) throws IOException, InterruptedException {
        HttpResponse<String> response = send("PUT", "/connectors/" + name + "/stop", null);
        if (response.statusCode() / 100 != 2) {
            throw new IOException("PUT /connectors/" + name + "/stop: HTTP " + response.statusCode() + " " + response.body());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<String> states = states(name);
        while (!states.equals(List.of("STOPPED"))) {
            if (System.nanoTime() > deadline) {
                throw new IOException("connector " + name + " not stopped after 60 s: " + states + process.tail(40));
            }
            Thread.sleep(200);
            states = states(name);
        }
    }

    /** {@code PUT /connectors/{name}/resume}; see {@link #awaitRunning}. */
    public void resumeConnector(String name) throws IOException, InterruptedException {
        HttpResponse<String> response = send("PUT", "/connectors/" + name + "/resume", null);
        if (response.statusCode() / 100 != 2) {
            throw new IOException("PUT /connectors/" + name + "/resume: HTTP " + response.statusCode() + " " + response.body());
        }
    }

    /** The first task's state (RUNNING, FAILED with its trace, ...) or "none". */
    public String taskState(String name) throws IOException, InterruptedException {
        HttpResponse<String> response = send("GET", "/connectors/" + name + "/status", null);
        if (response.statusCode() != 200) {
            return "none";
        }
        JsonNode tasks = JSON.readTree(response.body()).path("tasks");
        if (tasks.isEmpty()) {
            return "none";
        }
        JsonNode task = tasks.get(0);
        return task.path("state").asText() + (task.has("trace") ? ": " + task.path("trace").asText() : "");
    }

    /** States of the connector and its tasks, e.g. {@code [RUNNING, RUNNING]}; empty while unknown. */
    public List<String> states(String name) throws IOException, InterruptedException {
        HttpResponse<String> response = send("GET", "/connectors/" + name + "/status", null);
        List<String> states = new ArrayList<>();
        if (response.statusCode() != 200) {
            return states;
        }
        JsonNode status = JSON.readTree(response.body());
        states.add(status.path("connector").path("state").asText());
        for (JsonNode task : status.path("tasks")) {
            states.add(task.path("state").asText());
            if ("FAILED".equals(task.path("state").asText())) {
                states.add(task.path("trace").asText());
            }
        }
        return states;
    }

    /** Waits until the connector and at least one task run. */
    public void awaitRunning(String name, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> states = List.of();
        while (System.nanoTime() < deadline) {
            states = states(name);
            if (states.size() >= 2 && states.stream().allMatch("RUNNING"::equals)) {
                return;
            }
            if (states.contains("FAILED")) {
                throw new IOException("connector " + name + " failed: " + states);
            }
            Thread.sleep(250);
        }
        throw new IOException("connector " + name + " not running after " + timeout + ": " + states + process.tail(40));
    }

    HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(restUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Accept", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            stop();
        }
    }
}
