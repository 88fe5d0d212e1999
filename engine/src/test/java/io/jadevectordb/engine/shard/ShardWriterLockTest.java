package io.jadevectordb.engine.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.ShardLockedException;
import io.jadevectordb.engine.io.ShardFiles;

/**
 * The writer lock holds against a second writer in this JVM without being dropped by it, and is
 * what another process sees.
 */
class ShardWriterLockTest {

    @TempDir
    Path dir;

    @Test
    void failedSecondAcquireInTheSameJvmKeepsTheFirstWritersLock() throws Exception {
        Path shard = dir.resolve("vectors-0.jvdb");
        try (ShardWriterLock first = ShardWriterLock.acquire(shard)) {
            assertThrows(ShardLockedException.class, () -> ShardWriterLock.acquire(shard));
            assertThrows(ShardLockedException.class, () -> ShardWriterLock.acquire(dir.resolve("./vectors-0.jvdb")));

            assertEquals("HELD", probeFromAnotherProcess(ShardFiles.lockFile(shard)),
                    "another process must still see the first writer's lock after the failed second acquire");
        }
    }

    @Test
    void lockIsFreeForAnotherProcessAndThisJvmOnceClosed() throws Exception {
        Path shard = dir.resolve("vectors-1.jvdb");
        ShardWriterLock first = ShardWriterLock.acquire(shard);
        first.close();
        first.close(); // idempotent: must not unregister the next holder

        try (ShardWriterLock second = ShardWriterLock.acquire(shard)) {
            first.close();
            assertThrows(ShardLockedException.class, () -> ShardWriterLock.acquire(shard));
        }
        assertEquals("FREE", probeFromAnotherProcess(ShardFiles.lockFile(shard)));
    }

    @Test
    void lockHeldByAnotherProcessIsRefused() throws Exception {
        Path shard = dir.resolve("vectors-2.jvdb");
        Path lockFile = ShardFiles.lockFile(shard);
        Process holder = javaProcess(LockHolder.class, lockFile.toString()).start();
        try {
            String ready = new String(holder.getInputStream().readNBytes(6), StandardCharsets.UTF_8);
            assertEquals("LOCKED", ready);

            assertThrows(ShardLockedException.class, () -> ShardWriterLock.acquire(shard));
        } finally {
            holder.getOutputStream().close(); // the holder exits when its stdin ends
            holder.waitFor(30, TimeUnit.SECONDS);
        }
        try (ShardWriterLock lock = ShardWriterLock.acquire(shard)) {
            assertEquals("HELD", probeFromAnotherProcess(lockFile));
        }
    }

    private static String probeFromAnotherProcess(Path lockFile) throws IOException, InterruptedException {
        Process probe = javaProcess(LockProbe.class, lockFile.toString()).redirectErrorStream(true).start();
        String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!probe.waitFor(60, TimeUnit.SECONDS)) {
            probe.destroyForcibly();
            throw new AssertionError("lock probe did not finish");
        }
        assertEquals(0, probe.exitValue(), "lock probe failed: " + out);
        return out;
    }

    private static ProcessBuilder javaProcess(Class<?> main, String arg) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes = Path.of(main.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
        return new ProcessBuilder(java, "-cp", classes, main.getName(), arg);
    }
}
