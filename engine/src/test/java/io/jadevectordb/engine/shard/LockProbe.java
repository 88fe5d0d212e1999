package io.jadevectordb.engine.shard;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Run in a separate JVM by {@link ShardWriterLockTest}: tries to take the OS lock on the file
 * named by its argument and prints {@code HELD} (another process holds it) or {@code FREE}.
 */
public final class LockProbe {

    private LockProbe() {
    }

    public static void main(String[] args) throws Exception {
        try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            System.out.println(lock == null ? "HELD" : "FREE");
            if (lock != null) {
                lock.release();
            }
        }
    }
}
