package io.jadevectordb.engine.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads file ranges just allocated by {@link FallocatePreallocator} once, on a background
 * thread, so that their pages are in the page cache before the appends reach them.
 *
 * <p>Why: an append ({@code pwrite}) into a page that is not cached allocates and zeroes the
 * page on the writer's thread. Zero-filling the growth did that too, and wrote every byte twice;
 * {@code fallocate} writes nothing, so the whole cost of new pages fell on the appends, the
 * connector's busiest thread. On a VM whose host backs freed guest memory lazily, touching a
 * new page costs about 2 us per KiB, more than everything else the sink does per record
 * (docs/benchmarks.md, issue 18). Reading an unwritten extent costs no I/O: the file system
 * fills the pages with zeros, and the appends then only copy into them. On two cores this moves
 * the cost to the core the writer does not use.
 *
 * <p>Advisory only: it reads and never writes, through a channel of its own (so an interrupt
 * here cannot close a shard's channel), and a range it cannot read (the file is gone, the queue
 * is full, the warmer is closed) is skipped with a debug line: the appends then pay for their
 * pages as before. Durability is untouched: reading dirties nothing.
 */
public final class PageCacheWarmer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PageCacheWarmer.class);
    /** Ranges waiting; past this many, new ones are dropped (the writer is ahead of the warmer anyway). */
    static final int QUEUE_CAPACITY = 64;
    private static final int CHUNK = 256 * 1024;

    private record Range(Path path, long from, long to) {
    }

    /** The process's warmer, started on first use: a daemon thread that waits while there is nothing to read. */
    private static final class Shared {
        static final PageCacheWarmer INSTANCE = new PageCacheWarmer("jvdb-page-cache-warmer");
    }

    private final BlockingQueue<Range> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong finished = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;

    PageCacheWarmer(String threadName) {
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** The warmer {@link Preallocator#FALLOCATE} uses. */
    static PageCacheWarmer shared() {
        return Shared.INSTANCE;
    }

    /**
     * Asks for {@code [from, to)} of {@code path} to be read in the background.
     *
     * @return false when the range was dropped (queue full, warmer closed, empty range)
     */
    public boolean warm(Path path, long from, long to) {
        if (closed || to <= from) {
            return false;
        }
        offered.incrementAndGet();
        if (!queue.offer(new Range(path, from, to))) {
            finished.incrementAndGet();
            log.debug("{}: page-cache warm-up of bytes {} to {} dropped ({} ranges waiting)", path, from, to, QUEUE_CAPACITY);
            return false;
        }
        return true;
    }

    /** Bytes read so far. */
    long bytesRead() {
        return bytesRead.get();
    }

    /** Waits until every range asked for so far has been read or dropped; false on timeout. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (finished.get() < offered.get()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    private void run() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
        while (!closed) {
            Range range;
            try {
                range = queue.take();
            } catch (InterruptedException e) {
                continue; // only close() interrupts, and it sets closed first
            }
            try {
                read(range, buffer);
            } catch (IOException | RuntimeException e) {
                log.debug("{}: page-cache warm-up of bytes {} to {} skipped: {}", range.path(), range.from(), range.to(), e.toString());
            } finally {
                finished.incrementAndGet();
            }
        }
    }

    private void read(Range range, ByteBuffer buffer) throws IOException {
        try (FileChannel channel = FileChannel.open(range.path(), StandardOpenOption.READ)) {
            long end = Math.min(range.to(), channel.size());
            long position = range.from();
            while (position < end) {
                buffer.clear().limit((int) Math.min(CHUNK, end - position));
                int n = channel.read(buffer, position);
                if (n <= 0) {
                    break;
                }
                position += n;
                bytesRead.addAndGet(n);
            }
        }
    }

    /** Stops the thread; ranges still waiting are dropped. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        queue.clear();
    }
}
