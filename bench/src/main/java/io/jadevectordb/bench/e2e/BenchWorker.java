package io.jadevectordb.bench.e2e;

import java.io.File;
import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.AttributeNotFoundException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import io.jadevectordb.testkit.JavaProcess;
import io.jadevectordb.testkit.LocalConnectWorker;

/**
 * The test kit's distributed Connect worker, started with a chosen heap and a JMX port on
 * 127.0.0.1 from which the harness reads Connect's task metrics, the connector's own metrics
 * and the heap.
 */
final class BenchWorker implements AutoCloseable {

    private final LocalConnectWorker worker;
    private final JMXConnector jmx;
    private final MBeanServerConnection mbeans;

    private BenchWorker(LocalConnectWorker worker, JMXConnector jmx) throws IOException {
        this.worker = worker;
        this.jmx = jmx;
        this.mbeans = jmx.getMBeanServerConnection();
    }

    static BenchWorker start(Path dir, String bootstrap, Path pluginPath, String heap, Map<String, String> overrides)
            throws IOException, InterruptedException {
        int jmxPort = JavaProcess.freePort();
        Map<String, String> p = new TreeMap<>();
        // The Apicurio converter ships no ServiceLoader manifest: scan as well.
        p.put("plugin.discovery", "hybrid_warn");
        p.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        p.putAll(overrides);
        // Kafka's jars only: the connector, the no-op sink and the Apicurio converter come from plugin.path.
        String classpath = Stream.of(JavaProcess.kafkaClasspath().split(File.pathSeparator))
                .filter(e -> !e.contains("slf4j-simple") && !e.contains("jmh") && !e.contains("jopt-simple")
                        && !e.contains("commons-math3") && !e.contains("apicurio"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> jvm = new ArrayList<>(List.of("-Xmx" + heap, "-Xms" + heap,
                "-Dcom.sun.management.jmxremote.port=" + jmxPort, "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort,
                "-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1",
                "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false"));
        // -Dbench.e2e.workerJvm="-XX:StartFlightRecording=filename=worker.jfr,settings=profile": profile the worker.
        for (String option : System.getProperty("bench.e2e.workerJvm", "").trim().split("\\s+")) {
            if (!option.isEmpty()) {
                jvm.add(option);
            }
        }
        LocalConnectWorker worker = LocalConnectWorker.start(dir, bootstrap, pluginPath, p, jvm, classpath);
        boolean success = false;
        try {
            JMXConnector jmx = JMXConnectorFactory.connect(
                    new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi"));
            BenchWorker bench = new BenchWorker(worker, jmx);
            success = true;
            return bench;
        } finally {
            if (!success) {
                worker.close();
            }
        }
    }

    JavaProcess process() {
        return worker.process();
    }

    void putConnector(String name, Map<String, String> config) throws IOException, InterruptedException {
        worker.putConnector(name, config);
    }

    void stopConnector(String name) throws IOException, InterruptedException {
        worker.stopConnector(name);
    }

    void resumeConnector(String name) throws IOException, InterruptedException {
        worker.resumeConnector(name);
    }

    void deleteConnector(String name) throws IOException, InterruptedException {
        worker.deleteConnector(name);
    }

    /** The task's state (RUNNING, FAILED with its trace, ...) or "none". */
    String taskState(String name) throws IOException, InterruptedException {
        return worker.taskState(name);
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
                } catch (AttributeNotFoundException notHere) {
                    // another MBean of the connector has it
                }
            }
        } catch (Exception e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    /** CPU time the worker process has used so far, all threads, in nanoseconds. */
    long cpuNanos() throws Exception {
        return ((Number) mbeans.getAttribute(new ObjectName("java.lang:type=OperatingSystem"), "ProcessCpuTime")).longValue();
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
            worker.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
