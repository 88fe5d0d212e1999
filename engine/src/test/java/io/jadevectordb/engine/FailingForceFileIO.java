package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * The real file system, except that forcing a channel of a file {@code failing} accepts
 * throws, as a disk that went away would: a shard that forces then fails (and closes).
 * The predicate is asked at each force, so a test can turn failures on after setting up.
 */
final class FailingForceFileIO implements FileIO {

    private final Predicate<Path> failing;

    FailingForceFileIO(Predicate<Path> failing) {
        this.failing = failing;
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        return new Channel(FileChannel.open(path, options), path);
    }

    @Override
    public void move(Path source, Path target) throws IOException {
        FileIO.SYSTEM.move(source, target);
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        FileIO.SYSTEM.createLink(link, existing);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return FileIO.SYSTEM.deleteIfExists(path);
    }

    @Override
    public void fsyncDirectory(Path directory) throws IOException {
        FileIO.SYSTEM.fsyncDirectory(directory);
    }

    /** Delegates everything to the real channel but {@link #force}. */
    private final class Channel extends FileChannel {
        private final FileChannel real;
        private final Path path;

        Channel(FileChannel real, Path path) {
            this.real = real;
            this.path = path;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            if (failing.test(path)) {
                throw new IOException("injected: fsync of " + path + " failed (EIO)");
            }
            real.force(metaData);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return real.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return real.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return real.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return real.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return real.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
