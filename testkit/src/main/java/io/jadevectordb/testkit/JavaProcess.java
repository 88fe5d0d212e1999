package io.jadevectordb.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Java main class run in a separate JVM, as users run Kafka's scripts: its own classpath,
 * output to a log file, stopped with SIGTERM (clean) or SIGKILL (a crash).
 */
public final class JavaProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;

    private JavaProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code mainClass} with the given classpath and JVM options; output goes to {@code log} (appended).
     */
    public static JavaProcess start(String name, String classpath, List<String> jvmOptions, String mainClass,
                                    List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dlog4j2.configurationFile=" + childLogConfig());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new JavaProcess(name, process, log);
    }

    /** Runs a main class to completion, failing with its output when it exits non-zero. */
    public static void run(String name, String classpath, String mainClass, List<String> args, Path log, Duration timeout)
            throws IOException, InterruptedException {
        try (JavaProcess p = start(name, classpath, List.of("-Xmx256m"), mainClass, args, log)) {
            if (!p.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException(name + " did not finish within " + timeout + "; see " + log);
            }
            if (p.process.exitValue() != 0) {
                throw new IOException(name + " exited with " + p.process.exitValue() + ": " + p.tail(20));
            }
        }
    }

    /**
     * The classpath of this JVM without the project's own jars and class folders, for child processes
     * that must load the connector from {@code plugin.path} only.
     */
    public static String kafkaClasspath() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("jadevectordb") && !entry.endsWith("/classes")
                        && !entry.endsWith("/test-classes"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static String childLogConfig() throws IOException {
        Path config = Path.of(System.getProperty("java.io.tmpdir"), "jvdb-child-log4j2.properties");
        try (InputStream in = JavaProcess.class.getResourceAsStream("/jvdb-child-log4j2.properties")) {
            Files.copy(in, config, StandardCopyOption.REPLACE_EXISTING);
        }
        return config.toString();
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: the process gets no chance to flush or close anything, as in a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then SIGKILL if it has not exited after {@code grace}. */
    public void stop(Duration grace) throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
        }
    }

    /** Waits until something listens on {@code port} of 127.0.0.1. */
    public void awaitPort(int port, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + " before listening on port " + port
                        + ": " + tail(30));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IOException(name + " did not listen on 127.0.0.1:" + port + " within " + timeout + ": " + tail(30));
    }

    /** The last lines of the log, for failure messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return "\n" + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log " + log + " unreadable: " + e.getMessage() + ")";
        }
    }

    /** A free TCP port on 127.0.0.1. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(20));
    }
}
