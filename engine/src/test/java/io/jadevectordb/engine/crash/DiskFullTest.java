package io.jadevectordb.engine.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;
import io.jadevectordb.engine.Vectors;
import io.jadevectordb.engine.io.Preallocator;

/**
 * A full disk is an {@link IOException} when a shard grows, never a SIGBUS inside a mapped
 * write, and nothing committed (or applied) before it is lost.
 */
class DiskFullTest {

    @TempDir
    Path dir;

    @Test
    void realFullFileSystemFailsAtGrowTimeAndKeepsEverythingCommitted() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("small"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        boolean mounted = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        Assumptions.assumeTrue(mounted, "skipped: cannot mount a 2 MiB tmpfs here (needs root or CAP_SYS_ADMIN): "
                + new String(p.getInputStream().readAllBytes()).trim() + "; the injected-failure test covers this path");
        try {
            fillUntilFullThenVerify(mount, StoreOptions.defaults());
        } finally {
            new ProcessBuilder("umount", mount.toString()).start().waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void injectedNoSpaceAtPreallocationFailsCleanlyAndKeepsEverythingCommitted() throws Exception {
        AtomicBoolean full = new AtomicBoolean();
        Preallocator failing = (path, channel, oldLength, newLength) -> {
            if (full.get()) {
                // Partly extended, as a real ENOSPC mid-write would leave it.
                Preallocator.ZERO_FILL.extend(path, channel, oldLength, oldLength + (newLength - oldLength) / 2);
                throw new IOException("No space left on device");
            }
            Preallocator.ZERO_FILL.extend(path, channel, oldLength, newLength);
        };
        StoreOptions options = StoreOptions.defaults().withPreallocator(failing);
        Map<String, float[]> committed = new LinkedHashMap<>();
        SourcePartition source = new SourcePartition("t", 0);
        try (VectorStore store = VectorStore.open(dir, options.withFlushInterval(Duration.ZERO).withGrowthBytes(64 * 1024))) {
            store.createDatabase("a", 256);
            long offset = 0;
            for (int i = 0; i < 50; i++) {
                float[] v = Vectors.of(256, i);
                store.apply("a", source, List.of(Mutation.store("k" + i, v, offset++)));
                committed.put("k" + i, v);
            }
            store.commit(source, offset - 1);
            full.set(true);
            long lengthBefore = Files.size(dir.resolve("a/t-0.jvdb"));
            long at = offset;
            assertThatThrownBy(() -> {
                for (long o = at; ; o++) {
                    store.apply("a", source, List.of(Mutation.store("more" + o, Vectors.of(256, o), o)));
                }
            }).isInstanceOf(IOException.class).hasMessageContaining("a/t-0.jvdb").hasMessageContaining("cannot grow")
                    .hasMessageContaining("free disk space");
            assertThat(Files.size(dir.resolve("a/t-0.jvdb"))).as("cut back to its length before the failed growth")
                    .isEqualTo(lengthBefore);
            full.set(false);
        }
        try (VectorStore store = VectorStore.open(dir, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            Database db = store.database("a").orElseThrow();
            committed.forEach((id, v) -> {
                try {
                    assertThat(db.get(id)).as(id).hasValueSatisfying(got -> assertThat(got).containsExactly(v));
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
        }
    }

    private void fillUntilFullThenVerify(Path mount, StoreOptions base) throws Exception {
        StoreOptions options = base.withFlushInterval(Duration.ZERO).withGrowthBytes(64 * 1024);
        Map<String, float[]> committed = new LinkedHashMap<>();
        SourcePartition source = new SourcePartition("t", 0);
        IOException failure = null;
        try (VectorStore store = VectorStore.open(mount.resolve("store"), options)) {
            store.createDatabase("a", 512);
            long offset = 0;
            try {
                while (offset < 100_000) {
                    float[] v = Vectors.of(512, offset);
                    store.apply("a", source, List.of(Mutation.store("k" + offset, v, offset)));
                    store.commit(source, offset);
                    committed.put("k" + offset, v);
                    offset++;
                }
            } catch (IOException e) {
                failure = e;
            }
        } catch (IOException closeFailure) {
            // closing may fail too on a full disk; what matters is what was committed
        }
        assertThat(failure).as("a full 2 MiB file system must stop the writes").isNotNull();
        assertThat(failure.getMessage()).contains("a/t-0.jvdb");
        assertThat(committed).isNotEmpty();
        try (VectorStore store = VectorStore.open(mount.resolve("store"), options)) {
            Database db = store.database("a").orElseThrow();
            for (Map.Entry<String, float[]> e : committed.entrySet()) {
                assertThat(db.get(e.getKey())).as(e.getKey()).hasValueSatisfying(got -> assertThat(got).containsExactly(e.getValue()));
            }
        }
    }
}
