package io.jadevectordb.bench.e2e;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import com.sun.tools.attach.VirtualMachine;

/**
 * async-profiler attached to the running Connect worker for exactly one configuration's run
 * ({@code -Dbench.e2e.profile=cpu|alloc|wall|lock}): loaded through the attach API when the
 * connector is created and stopped when its task has received every record, so the warm-up
 * pass and the other configurations stay out of the profile. Writes a flame graph (HTML) and
 * the same samples as collapsed stacks (one line per stack, for the analysis in
 * docs/benchmarks.md). The native library comes from the {@code tools.profiler:async-profiler}
 * jar on the class path; if the kernel refuses perf events, {@code cpu} falls back to
 * {@code itimer}.
 */
final class WorkerProfiler {

    private final Path library;
    private final long pid;
    private final String event;
    private String started;

    private WorkerProfiler(Path library, long pid, String event) {
        this.library = library;
        this.pid = pid;
        this.event = event;
    }

    /** Starts profiling the process {@code pid} with {@code event}; the library is unpacked into {@code dir}. */
    static WorkerProfiler start(Path dir, long pid, String event) throws Exception {
        WorkerProfiler p = new WorkerProfiler(unpack(dir), pid, event);
        // 1 ms CPU interval: a run of a few seconds gives thousands of samples, not hundreds.
        String options = switch (event) {
            case "cpu" -> "event=cpu,interval=1000000";
            case "wall" -> "event=wall,interval=1000000";
            case "alloc" -> "event=alloc";
            case "lock" -> "event=lock";
            default -> throw new IllegalArgumentException("bench.e2e.profile: unknown event '" + event
                    + "'; use cpu, alloc, wall or lock");
        };
        if (Boolean.getBoolean("bench.e2e.profileThreads")) {
            options += ",threads"; // one stack per thread: the first frame names it
        }
        try {
            p.command("start," + options);
            p.started = options;
        } catch (Exception e) {
            if (!event.equals("cpu")) {
                throw e;
            }
            System.out.println("  profiler: event=cpu refused (" + e.getMessage() + "); using event=itimer");
            p.command("start,event=itimer,interval=1000000");
            p.started = "event=itimer,interval=1000000";
        }
        return p;
    }

    /** The options profiling was started with (which event actually ran). */
    String options() {
        return started;
    }

    /** Stops profiling, writing the collapsed stacks to {@code collapsed} and the flame graph to {@code html}. */
    void stop(Path html, Path collapsed) throws Exception {
        // Allocation profiles weigh each stack by bytes ("total"), not by sample count.
        String weigh = event.equals("alloc") || event.equals("lock") ? ",total" : "";
        command("dump,collapsed" + weigh + ",file=" + collapsed.toAbsolutePath());
        command("stop" + weigh + ",title=" + html.getFileName() + ",file=" + html.toAbsolutePath());
    }

    private void command(String options) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        try {
            vm.loadAgentPath(library.toString(), options);
        } finally {
            vm.detach();
        }
    }

    private static Path unpack(Path dir) throws IOException {
        Path target = dir.resolve("libasyncProfiler.so");
        if (Files.exists(target)) {
            return target;
        }
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.replace('\\', '/').contains("/tools/profiler/async-profiler/")) {
                try (ZipFile jar = new ZipFile(entry)) {
                    ZipEntry so = jar.getEntry("linux-x64/libasyncProfiler.so");
                    if (so == null) {
                        throw new IOException(entry + " has no linux-x64/libasyncProfiler.so");
                    }
                    Files.createDirectories(dir);
                    try (InputStream in = jar.getInputStream(so)) {
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                    return target;
                }
            }
        }
        throw new IOException("tools.profiler:async-profiler is not on the class path; bench/pom.xml declares it");
    }
}
