package io.jadevectordb.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import io.jadevectordb.engine.io.Preallocator;

/**
 * Writes a file as a shard's log is written, and says what it cost this thread: grown in
 * 16 MiB steps by a {@link Preallocator} (or not at all: a sparse file, the reference no durable
 * store may use), {@code pwrite} of 256 KiB gathers, {@code fdatasync} every commit interval.
 * The file is deleted afterwards, so its page-cache pages are freed.
 */
public final class LogWrites {

    private static final int GATHER = 256 * 1024;
    private static final long GROWTH = 16L << 20;

    /** CPU (user and system) of the writing thread, of which in the preallocator, and wall time, in nanoseconds. */
    public record Cost(long cpuNanos, long growthCpuNanos, long wallNanos) {
    }

    private LogWrites() {
    }

    /**
     * @param growth how the file grows; null for a sparse file (no preallocation)
     */
    public static Cost write(Path file, Preallocator growth, long bytes, long commitMs) throws IOException {
        ByteBuffer gather = ByteBuffer.allocateDirect(GATHER);
        SplittableRandom random = new SplittableRandom(42);
        while (gather.hasRemaining()) {
            gather.put((byte) random.nextInt());
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long cpuStart = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            long lastForce = start;
            long growthCpu = 0;
            long position = 0;
            long length = 0;
            while (position < bytes) {
                int n = (int) Math.min(GATHER, bytes - position);
                if (growth != null && position + n > length) {
                    long before = threads.getCurrentThreadCpuTime();
                    growth.extend(file, channel, length, length + GROWTH);
                    growthCpu += threads.getCurrentThreadCpuTime() - before;
                    length += GROWTH;
                }
                gather.clear().limit(n);
                while (gather.hasRemaining()) {
                    position += channel.write(gather, position);
                }
                if (System.nanoTime() - lastForce >= commitMs * 1_000_000) {
                    channel.force(false);
                    lastForce = System.nanoTime();
                }
            }
            channel.force(false);
            return new Cost(threads.getCurrentThreadCpuTime() - cpuStart, growthCpu, System.nanoTime() - start);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
