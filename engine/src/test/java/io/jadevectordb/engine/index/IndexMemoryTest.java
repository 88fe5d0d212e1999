package io.jadevectordb.engine.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/**
 * A shard's index lives in anonymous memory that the JVM accounts for: never in a memory file
 * system whose pages are allocated at fault time (a full {@code /dev/shm}, 64 MiB in a container
 * by default, raised a SIGBUS inside an index update), and a table the JVM cannot provide is
 * refused at allocation with nothing lost.
 */
class IndexMemoryTest {

    @TempDir
    Path dir;

    @Test
    void indexUpdatesNeverFaultWhenTheMemoryFileSystemIsSmall() throws Exception {
        // Three tables of 2 MiB each under a 5 MiB /dev/shm: each fitted at the time it was
        // made, together they do not. Root in a private mount namespace mounts a small one.
        List<String> command = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o size=5m tmpfs /dev/shm && echo MOUNTED && exec \"$0\" \"$@\""));
        command.addAll(java(List.of(), "shards"));
        Run run = run(command);
        Assumptions.assumeTrue(run.out.startsWith("MOUNTED"), "skipped: cannot mount a small /dev/shm here (needs root in a"
                + " mount namespace): " + run.out + "; indexMapsNoFileOutsideTheStore covers the rest");

        assertThat(run.exit).as("probe output:%n%s", run.out).isZero();
        assertThat(run.lastLine()).isEqualTo("STORED");
    }

    @Test
    void indexGrowthBeyondTheDirectMemoryLimitIsRefusedAndTheShardKeepsEverything() throws Exception {
        Run run = run(java(List.of("-XX:MaxDirectMemorySize=8m"), "grow"));

        assertThat(run.exit).as("probe output:%n%s", run.out).isZero();
        String result = run.lastLine();
        assertThat(result).startsWith("REFUSED ").contains("shard a/t-0.jvdb").contains("-XX:MaxDirectMemorySize");
        int committed = Integer.parseInt(result.split(" ")[1]);
        assertThat(committed).isPositive();
        // What the refused shard committed after the refusal is all there, reopened with room to spare.
        try (VectorStore store = VectorStore.open(dir, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            Database db = store.database("a").orElseThrow();
            for (int i = 0; i < committed; i++) {
                float[] expected = {-i, -i};
                assertThat(db.get("id-" + i)).as("id-%d", i).hasValueSatisfying(v -> assertThat(v).containsExactly(expected));
            }
        }
    }

    @Test
    void indexMapsNoFileOutsideTheStore() throws Exception {
        Path maps = Path.of("/proc/self/maps");
        Assumptions.assumeTrue(Files.isReadable(maps), "skipped: no /proc/self/maps on this system");
        Set<String> before = mappedFiles(maps);
        try (VectorStore store = VectorStore.open(dir, StoreOptions.defaults().withFlushInterval(Duration.ZERO)
                .withExpectedVectorsPerShard(100_000))) {
            store.createDatabase("a", 2);
            store.apply("a", new SourcePartition("t", 0), List.of(Mutation.store("x", new float[] {1, 2}, 0)));

            Set<String> added = mappedFiles(maps);
            added.removeAll(before);
            assertThat(added).as("files mapped by an open shard").allSatisfy(file -> {
                assertThat(file).doesNotContain("(deleted)");
                assertThat(Path.of(file).toRealPath()).startsWith(dir.toRealPath());
            });
        }
    }

    private static Set<String> mappedFiles(Path maps) throws IOException {
        Set<String> files = new TreeSet<>();
        for (String line : Files.readAllLines(maps)) {
            String[] fields = line.trim().split("\\s+", 6);
            if (fields.length == 6 && fields[5].startsWith("/")) {
                files.add(fields[5]);
            }
        }
        return files;
    }

    private List<String> java(List<String> options, String mode) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), IndexMemoryProbe.class.getName(), mode,
                dir.toString()));
        return command;
    }

    private record Run(int exit, String out) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private Run run(List<String> command) throws IOException, InterruptedException {
        // Output to a file, not a pipe read to its end: a probe that hangs (an index that loops) must fail the test.
        Path output = Files.createTempFile(dir.getParent(), "probe-", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("probe did not finish in 300 s: " + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
