package io.jadevectordb.bench.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jadevectordb.testkit.JavaProcess;
import java.io.File;
import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A distributed Connect worker in its own JVM for the harness: like the test kit's worker, but
 * with a chosen heap and a JMX port on 127.0.0.1 from which the harness reads Connect's task
 * metrics, the connector's own metrics and the heap.
 */
final class BenchWorker implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final JavaProcess process;
    private final int restPort;
    private final JMXConnector jmx;
    private final MBeanServerConnection mbeans;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private BenchWorker(JavaProcess process, int restPort, JMXConnector jmx) throws IOException {
        this.process = process;
        this.restPort = restPort;
        this.jmx = jmx;
        this.mbeans = jmx.getMBeanServerConnection();
    }

    static BenchWorker start(Path dir, String bootstrap, Path pluginPath, String heap, Map<String, String> overrides)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int restPort = JavaProcess.freePort();
        int jmxPort = JavaProcess.freePort();
        Map<String, String> p = new TreeMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", "jvdb-bench");
        p.put("config.storage.topic", "_bench-configs");
        p.put("offset.storage.topic", "_bench-offsets");
        p.put("status.storage.topic", "_bench-status");
        p.put("config.storage.replication.factor", "1");
        p.put("offset.storage.replication.factor", "1");
        p.put("status.storage.replication.factor", "1");
        p.put("offset.storage.partitions", "1");
        p.put("status.storage.partitions", "1");
        p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        p.put("listeners", "http://127.0.0.1:" + restPort);
        p.put("rest.advertised.host.name", "127.0.0.1");
        p.put("plugin.path", pluginPath.toAbsolutePath().toString());
        // The Apicurio converter ships no ServiceLoader manifest: scan as well.
        p.put("plugin.discovery", "hybrid_warn");
        p.put("scheduled.rebalance.max.delay.ms", "0");
        p.putAll(overrides);
        StringBuilder text = new StringBuilder();
        p.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Path config = dir.resolve("worker.properties");
        Files.writeString(config, text.toString(), StandardCharsets.UTF_8);
        // Kafka's jars only: the connector, the no-op sink and the Apicurio converter come from plugin.path.
        String classpath = Stream.of(JavaProcess.kafkaClasspath().split(File.pathSeparator))
                .filter(e -> !e.contains("slf4j-simple") && !e.contains("jmh") && !e.contains("jopt-simple")
                        && !e.contains("commons-math3") && !e.contains("apicurio"))
                .collect(Collectors.joining(File.pathSeparator));
        JavaProcess process = JavaProcess.start("bench-connect-worker", classpath, List.of("-Xmx" + heap, "-Xms" + heap,
                        "-Dcom.sun.management.jmxremote.port=" + jmxPort, "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort,
                        "-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1",
                        "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false"),
                "org.apache.kafka.connect.cli.ConnectDistributed", List.of(config.toString()), dir.resolve("worker.log"));
        boolean success = false;
        try {
            process.awaitPort(restPort, Duration.ofSeconds(120));
            JMXConnector jmx = JMXConnectorFactory.connect(
                    new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi"));
            BenchWorker worker = new BenchWorker(process, restPort, jmx);
            worker.awaitRest();
            success = true;
            return worker;
        } finally {
            if (!success) {
                process.close();
            }
        }
    }

    JavaProcess process() {
        return process;
    }

    private HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void awaitRest() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
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

    void putConnector(String name, Map<String, String> config) throws IOException, InterruptedException {
        HttpResponse<String> r = send("PUT", "/connectors/" + name + "/config", JSON.writeValueAsString(config));
        if (r.statusCode() >= 300) {
            throw new IOException("creating connector " + name + ": HTTP " + r.statusCode() + " " + r.body());
        }
    }

    void deleteConnector(String name) throws IOException, InterruptedException {
        send("DELETE", "/connectors/" + name, null);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && send("GET", "/connectors/" + name, null).statusCode() != 404) {
            Thread.sleep(200);
        }
    }

    /** The task's state (RUNNING, FAILED with its trace, ...) or "none". */
    String taskState(String name) throws IOException, InterruptedException {
        HttpResponse<String> r = send("GET", "/connectors/" + name + "/status", null);
        if (r.statusCode() != 200) {
            return "none";
        }
        JsonNode tasks = JSON.readTree(r.body()).path("tasks");
        if (tasks.isEmpty()) {
            return "none";
        }
        JsonNode t = tasks.get(0);
        return t.path("state").asText() + (t.has("trace") ? ": " + t.path("trace").asText() : "");
    }

    /**
     * The first numeric attribute of that name among the connector's MBeans (Connect's
     * sink-task-metrics and connector-task-metrics, and the plugin's own), or NaN.
     */
    double metric(String connector, String attribute) {
        try {
            for (ObjectName name : mbeans.queryNames(new ObjectName("kafka.connect:*"), null)) {
                if (!connector.equals(name.getKeyProperty("connector"))) {
                    continue;
                }
                try {
                    Object value = mbeans.getAttribute(name, attribute);
                    if (value instanceof Number n) {
                        return n.doubleValue();
                    }
                } catch (javax.management.AttributeNotFoundException notHere) {
                    // another MBean of the connector has it
                }
            }
        } catch (Exception e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    MemoryUsage heap() throws Exception {
        CompositeData data = (CompositeData) mbeans.getAttribute(new ObjectName("java.lang:type=Memory"), "HeapMemoryUsage");
        return MemoryUsage.from(data);
    }

    /** Old-generation use after the last collection, in MB (G1's "G1 Old Gen" pool, else the first old-gen pool). */
    double oldGenAfterGcMb() throws Exception {
        for (ObjectName pool : mbeans.queryNames(new ObjectName("java.lang:type=MemoryPool,*"), null)) {
            String poolName = pool.getKeyProperty("name");
            if (poolName != null && (poolName.contains("Old Gen") || poolName.contains("Tenured"))) {
                CompositeData data = (CompositeData) mbeans.getAttribute(pool, "CollectionUsage");
                return data == null ? Double.NaN : MemoryUsage.from(data).getUsed() / 1048576.0;
            }
        }
        return Double.NaN;
    }

    void gc() throws Exception {
        mbeans.invoke(new ObjectName("java.lang:type=Memory"), "gc", null, null);
    }

    @Override
    public void close() {
        try {
            jmx.close();
        } catch (IOException ignored) {
            // the worker is going away anyway
        }
        try {
            process.stop(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
