package io.jadevectordb.engine.crash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.ShardFiles;

/**
 * A {@link FileIO} that counts every operation through the seam (opens, writes, reads, forces,
 * maps, truncates, renames, links, deletes, directory creations and directory forces) and
 * fails exactly one of them, the one at index {@code failAt}: Lucene's
 * {@code MockDirectoryWrapper} random {@code IOException}s and SQLite's I/O-error harness, at
 * the engine's one I/O seam, with the failing operation chosen by the test's seed.
 *
 * <p>A fault is one of: an {@link IOException} (a failing write may first write a prefix of
 * its bytes, as a short write before ENOSPC or EIO does); an interrupt, with
 * {@link ClosedByInterruptException} semantics (the channel closes, the thread's interrupt
 * flag is set, so the next channel call of that thread fails too, as in the JDK); or, for the
 * control only, a write that is silently dropped while reporting success, which models an
 * engine that swallows one write failure: a test with teeth must catch it.
 *
 * <p>Runs without a fault ({@code failAt = -1}) count the operations, so a test can spread its
 * fault points over a whole workload. Operations are counted in call order; the workloads that
 * use this class run in one thread, so an index names the same operation in every run.
 */
public final class FaultyFileIO implements FileIO {

    /** What the operation at the fault point does. */
    public enum Fault {
        /** Throws an {@link IOException} (a write may first write part of its bytes). */
        IO_ERROR,
        /** Closes the channel, sets the interrupt flag, throws {@link ClosedByInterruptException}. */
        INTERRUPT,
        /** The control: the first write at or after the fault point writes nothing and reports success. */
        SWALLOWED_WRITE
    }

    private final FileIO delegate;
    private final long failAt;
    private final Fault fault;
    private final boolean partialWrite;
    private final AtomicLong operations = new AtomicLong();
    private volatile String fired;

    /**
     * @param failAt       index of the operation that fails, or -1 for none
     * @param partialWrite whether a failing write first writes half of its bytes
     */
    public FaultyFileIO(FileIO delegate, long failAt, Fault fault, boolean partialWrite) {
        this.delegate = delegate;
        this.failAt = failAt;
        this.fault = fault;
        this.partialWrite = partialWrite;
    }

    FileIO delegate() {
        return delegate;
    }

    /** Operations seen so far. */
    public long operations() {
        return operations.get();
    }

    /** The operation that failed ("operation 17: force of ..."), or null when none has. */
    public String fired() {
        return fired;
    }

    /**
     * Counts one operation; true when it is the one to fail. A swallowed write waits for the
     * first write at or after the fault point, so the control always drops one.
     */
    private boolean hit(String what, boolean isWrite) {
        long n = operations.getAndIncrement();
        if (fired != null || failAt < 0) {
            return false;
        }
        if (fault == Fault.SWALLOWED_WRITE ? n >= failAt && isWrite : n == failAt) {
            fired = "operation " + n + ": " + what + " (" + fault + ")";
            return true;
        }
        return false;
    }

    private IOException ioError(String what) {
        return new IOException("injected: " + what + " failed (EIO)");
    }

    /** A fault in a call on a channel: an I/O error, or an interrupt that closes it. */
    private IOException channelFault(FileChannel real, String what) throws IOException {
        if (fault == Fault.INTERRUPT) {
            real.close();
            Thread.currentThread().interrupt();
            return new ClosedByInterruptException();
        }
        return ioError(what);
    }

    /** A fault in a call on a path (no channel to close): an interrupt there is an I/O error too. */
    private void pathOp(String what) throws IOException {
        if (hit(what, false)) {
            throw ioError(what);
        }
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        pathOp("open of " + path.getFileName());
        return new FaultyChannel(delegate.open(path, options), path);
    }

    @Override
    public void move(Path source, Path target) throws IOException {
        pathOp("rename of " + source.getFileName() + " to " + target.getFileName());
        delegate.move(source, target);
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        pathOp("link " + link.getFileName() + " to " + existing.getFileName());
        delegate.createLink(link, existing);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        pathOp("delete of " + path.getFileName());
        return delegate.deleteIfExists(path);
    }

    @Override
    public void fsyncDirectory(Path directory) throws IOException {
        pathOp("force of directory " + directory.getFileName());
        delegate.fsyncDirectory(directory);
    }

    @Override
    public void createDirectory(Path directory) throws IOException {
        pathOp("creation of directory " + directory.getFileName());
        delegate.createDirectory(directory);
    }

    @Override
    public FileChannel openLock(Path lockFile) throws IOException {
        pathOp("open of lock file " + lockFile.getFileName());
        return delegate.openLock(lockFile);
    }

    /** Each entry's deletion is one operation, so a fault can stop the removal half way. */
    @Override
    public void deleteDirectory(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(directory)) {
            entries = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path entry : entries) {
            pathOp("delete of " + entry.getFileName() + " in a directory removal");
            Files.deleteIfExists(entry);
        }
    }

    /** Every call counted; the one at the fault point fails. */
    private final class FaultyChannel extends ForwardingFileChannel {
        private final Path path;

        FaultyChannel(FileChannel real, Path path) {
            super(real);
            this.path = path;
        }

        private String name() {
            return path.getFileName().toString();
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            String what = "write of " + src.remaining() + " bytes at " + position + " of " + name();
            if (hit(what, true)) {
                if (fault == Fault.SWALLOWED_WRITE) {
                    int n = src.remaining();
                    src.position(src.limit());
                    return n;
                }
                if (partialWrite && fault == Fault.IO_ERROR && src.remaining() > 1) {
                    ByteBuffer half = src.duplicate();
                    half.limit(half.position() + half.remaining() / 2);
                    ShardFiles.writeFully(real, half, position);
                }
                throw channelFault(real, what);
            }
            return real.write(src, position);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            String what = "write of " + src.remaining() + " bytes of " + name();
            if (hit(what, true)) {
                if (fault == Fault.SWALLOWED_WRITE) {
                    int n = src.remaining();
                    src.position(src.limit());
                    real.position(real.position() + n);
                    return n;
                }
                throw channelFault(real, what);
            }
            return real.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (hit("gathering write of " + name(), true)) {
                throw channelFault(real, "gathering write of " + name());
            }
            return real.write(srcs, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            String what = "read at " + position + " of " + name();
            if (hit(what, false)) {
                throw channelFault(real, what);
            }
            return real.read(dst, position);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            String what = "read of " + name();
            if (hit(what, false)) {
                throw channelFault(real, what);
            }
            return real.read(dst);
        }

        @Override
        public void force(boolean metaData) throws IOException {
            String what = "force of " + name();
            if (hit(what, false)) {
                throw channelFault(real, what);
            }
            real.force(metaData);
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            String what = "truncate of " + name() + " to " + size;
            if (hit(what, false)) {
                throw channelFault(real, what);
            }
            return super.truncate(size);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            String what = "map of " + size + " bytes at " + position + " of " + name();
            if (hit(what, false)) {
                throw channelFault(real, what);
            }
            return real.map(mode, position, size);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            String what = "transfer from " + name();
            if (hit(what, false)) {
                throw channelFault(real, what);
            }
            return real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            String what = "transfer to " + name();
            if (hit(what, true)) {
                throw channelFault(real, what);
            }
            return real.transferFrom(src, position, count);
        }
    }
}
