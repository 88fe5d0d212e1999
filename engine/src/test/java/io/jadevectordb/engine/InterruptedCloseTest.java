package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.crash.ForwardingFileChannel;
import io.jadevectordb.engine.crash.ForwardingFileIO;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.shard.Shard;

/**
 * Kafka Connect interrupts a task thread on a forced shutdown, and the task then closes its
 * store on that thread. The close must still do its I/O, and must never unmap memory or let go
 * of a shard's lock while a background thread (an index snapshot, a compaction) is still
 * reading that memory or writing the shard's files.
 */
class InterruptedCloseTest {

    private static final String SNAPSHOT_THREAD = "jvdb-index-snapshots";

    @TempDir
    Path root;

    @Test
    void closeOnAnInterruptedThreadWaitsForTheSnapshotInFlightAndTheShardReopensAtItsLastCommit() throws Exception {
        CountDownLatch snapshotWriting = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicBoolean abandon = new AtomicBoolean();
        AtomicBoolean blocked = new AtomicBoolean();
        FileIO io = new ForwardingFileIO() {
            @Override
            public FileChannel open(Path path, OpenOption... options) throws IOException {
                FileChannel channel = super.open(path, options);
                if (!path.getFileName().toString().endsWith(".index.tmp")) {
                    return channel;
                }
                return new ForwardingFileChannel(channel) {
                    @Override
                    public int write(ByteBuffer src, long position) throws IOException {
                        if (Thread.currentThread().getName().equals(SNAPSHOT_THREAD) && blocked.compareAndSet(false, true)) {
                            snapshotWriting.countDown();
                            try {
                                // Bounded: a close that never returns fails the test instead of hanging it.
                                proceed.await(60, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                throw new InterruptedIOException();
                            }
                            if (abandon.get()) {
                                // The close already unmapped the table: reading it now would crash the JVM.
                                throw new IOException("test: the snapshot write is abandoned, its memory was released");
                            }
                        }
                        return super.write(src, position);
                    }
                };
            }
        };
        StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ofMillis(20)).withIndexSnapshotBytes(4096)
                .withBackgroundSnapshotEntries(64).withFileIO(io);
        SourcePartition source = new SourcePartition("vectors", 0);
        VectorStore store = VectorStore.open(root, options);
        store.createDatabase("a", 8);
        int count = 0;
        // Commits past the snapshot threshold start a snapshot in the background (skipped while the index grows).
        while (snapshotWriting.getCount() > 0 && count < 5000) {
            List<Mutation> batch = new ArrayList<>();
            for (int i = count; i < count + 100; i++) {
                batch.add(Mutation.store("id-" + i, Vectors.of(8, i), i));
            }
            store.apply("a", source, batch);
            count += 100;
            store.commit(source, count - 1);
        }
        assertThat(snapshotWriting.await(60, TimeUnit.SECONDS)).as("the background snapshot began to write").isTrue();
        int committed = count;

        CompletableFuture<Boolean> closed = new CompletableFuture<>();
        Thread closer = new Thread(() -> {
            Thread.currentThread().interrupt(); // as Connect's forced shutdown leaves the task thread
            try {
                store.close();
                closed.complete(Thread.currentThread().isInterrupted());
            } catch (Throwable e) {
                closed.completeExceptionally(e);
            }
        }, "interrupted-closer");
        closer.start();
        while (!closed.isDone() && closer.getState() != Thread.State.WAITING) {
            Thread.onSpinWait(); // until the close waits (for the snapshot) or returns
        }
        if (closed.isDone()) {
            abandon.set(true);
            proceed.countDown();
            fail("the close returned while the background snapshot was still writing from the index memory "
                    + "(outcome: " + closed.handle((interrupted, e) -> e == null ? "returned" : e.toString()).get() + ")");
        }
        proceed.countDown();

        assertThat(closed.get()).as("the close restored the interrupt flag").isTrue();
        ShardStats stats = Shard.statsOf("a/vectors-0.jvdb", root.resolve("a/vectors-0.jvdb"));
        assertThat(stats.clean()).as("the close completed its I/O on the interrupted thread").isTrue();
        try (VectorStore reopened = VectorStore.open(root, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            assertThat(reopened.checkpoint(source)).isEqualTo(OptionalLong.of(committed - 1));
            Database db = reopened.database("a").orElseThrow();
            assertThat(db.stats().liveCount()).isEqualTo(committed);
            for (int i = 0; i < committed; i += 37) {
                float[] expected = Vectors.of(8, i);
                assertThat(db.get("id-" + i)).hasValueSatisfying(v -> assertThat(v).containsExactly(expected));
            }
        }
    }

    @Test
    void closeOnAnInterruptedThreadStopsACompactionWritingTheShardsFilesBeforeItLetsGoOfTheLock() throws Exception {
        Path file = root.resolve("s-0.jvdb");
        Path tmp = ShardFiles.temporary(file);
        CountDownLatch copying = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean(); // creating the shard writes a .tmp file too
        AtomicBoolean blocked = new AtomicBoolean();
        FileIO io = new ForwardingFileIO() {
            @Override
            public FileChannel open(Path path, OpenOption... options) throws IOException {
                FileChannel channel = super.open(path, options);
                if (!path.equals(tmp)) {
                    return channel;
                }
                return new ForwardingFileChannel(channel) {
                    @Override
                    public int write(ByteBuffer src, long position) throws IOException {
                        if (armed.get() && blocked.compareAndSet(false, true)) {
                            copying.countDown();
                            try {
                                proceed.await(60, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                throw new InterruptedIOException();
                            }
                        }
                        return super.write(src, position);
                    }
                };
            }
        };
        StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO).withFileIO(io);
        Shard shard = Shard.openForWrite("db/s-0.jvdb", file, 64, 32, options);
        int ids = 6000; // over 1 MiB of live records: the copy writes more than one buffer
        for (int i = 0; i < ids; i++) {
            shard.apply(Mutation.store("id-" + i, Vectors.of(64, i), i), ShardFormat.idBytes("id-" + i));
        }
        shard.apply(Mutation.delete("id-0", ids), ShardFormat.idBytes("id-0"));
        shard.commit(ids);
        armed.set(true);
        CompletableFuture<Boolean> compaction = CompletableFuture.supplyAsync(() -> {
            try {
                return shard.compact();
            } catch (IOException e) {
                return false; // stopped by the close: nothing changed
            }
        });
        assertThat(copying.await(60, TimeUnit.SECONDS)).as("the compaction began to write the shard's .tmp file").isTrue();

        CompletableFuture<Boolean> closed = new CompletableFuture<>();
        Thread closer = new Thread(() -> {
            Thread.currentThread().interrupt();
            try {
                shard.close();
                closed.complete(Thread.currentThread().isInterrupted());
            } catch (Throwable e) {
                closed.completeExceptionally(e);
            }
        }, "interrupted-closer");
        closer.start();
        while (!closed.isDone() && closer.getState() != Thread.State.WAITING) {
            Thread.onSpinWait(); // until the close waits (for the compaction) or returns
        }
        boolean returnedWhileWriting = closed.isDone();
        proceed.countDown();
        compaction.get();
        assertThat(returnedWhileWriting).as("the close returned (its lock let go) while a compaction still wrote " + tmp)
                .isFalse();

        assertThat(closed.get()).as("the close restored the interrupt flag").isTrue();
        assertThat(tmp).as("the stopped compaction removed its file before the lock went").doesNotExist();
        try (Shard reopened = Shard.openForWrite("db/s-0.jvdb", file, 64, 32,
                StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            assertThat(reopened.wasRecovered()).isFalse();
            assertThat(reopened.checkpoint().sourceOffset()).isEqualTo(ids);
            assertThat(reopened.stats().liveCount()).isEqualTo(ids - 1);
            assertThat(reopened.get(ShardFormat.idBytes("id-4321"))).containsExactly(Vectors.of(64, 4321));
        }
    }
}
