package io.jadevectordb.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.sun.jna.LastErrorException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.TestOptions;
import io.jadevectordb.engine.crash.ForwardingFileIO;

class FallocatePreallocatorTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    /**
     * The point of fallocate: the blocks exist (a full disk fails now, not as a SIGBUS in a
     * mapping later) and no byte went through {@code write}. Each check is shown able to fail:
     * zero-filling writes 16 MiB, a sparse {@code setLength} allocates nothing.
     */
    @Test
    void allocatesRealBlocksWithoutWritingAByte() throws Exception {
        assumeLinuxWithProcAndStat();
        assertThat(FallocatePreallocator.available()).as("fallocate must be callable on Linux x86-64/aarch64").isTrue();
        Path allocated = dir.resolve("fallocate.bin");
        long written = writtenDuring(allocated, Preallocator.FALLOCATE, 16 * MIB);
        assertThat(Files.size(allocated)).isEqualTo(16 * MIB);
        assertThat(allocatedBytes(allocated)).as("blocks really allocated").isGreaterThanOrEqualTo(16 * MIB);
        assertThat(written).as("bytes passed to write() while growing by fallocate").isLessThan(MIB);
        assertAllZero(allocated);

        Path zeroFilled = dir.resolve("zeros.bin");
        assertThat(writtenDuring(zeroFilled, Preallocator.ZERO_FILL, 16 * MIB)).as("zero fill writes every byte")
                .isGreaterThanOrEqualTo(16 * MIB);

        Path sparse = dir.resolve("sparse.bin");
        try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
            file.setLength(16 * MIB);
        }
        assertThat(allocatedBytes(sparse)).as("a sparse file has no blocks (the check can fail)").isLessThan(MIB);
    }

    @Test
    void growsFromTheOldLengthAndKeepsWhatIsThere() throws Exception {
        Path path = dir.resolve("grow.bin");
        byte[] head = new byte[4096];
        Arrays.fill(head, (byte) 0xAB);
        Files.write(path, head);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Preallocator.FALLOCATE.extend(path, channel, 4096, 64 * 1024);
            assertThat(channel.size()).isEqualTo(64 * 1024);
        }
        byte[] all = Files.readAllBytes(path);
        for (int i = 0; i < all.length; i++) {
            assertThat(all[i]).as("byte %d", i).isEqualTo(i < 4096 ? (byte) 0xAB : 0);
        }
    }

    @Test
    void aFullDiskIsAnIOExceptionNamingTheFileTheRangeAndTheErrno() throws Exception {
        FakeLibc libc = new FakeLibc(28);
        Path path = dir.resolve("full.bin");
        Files.createFile(path);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertThatThrownBy(() -> new FallocatePreallocator(libc).extend(path, channel, 8192, 16 * MIB))
                    .isInstanceOf(IOException.class).hasMessageContaining(path.toString())
                    .hasMessageContaining("from 8192 to " + 16 * MIB).hasMessageContaining("errno 28");
        }
        assertThat(libc.calls).containsExactly("open", "fallocate 8192+" + (16 * MIB - 8192), "close");
    }

    @Test
    void aFileSystemWithoutFallocateGetsZerosWritten() throws Exception {
        FakeLibc libc = new FakeLibc(FallocatePreallocator.EOPNOTSUPP);
        Path path = dir.resolve("nofallocate.bin");
        Files.createFile(path);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            new FallocatePreallocator(libc).extend(path, channel, 0, 256 * 1024);
        }
        assertThat(Files.size(path)).isEqualTo(256 * 1024);
        assertAllZero(path);
        assertThat(libc.calls).containsExactly("open", "fallocate 0+262144", "close");
    }

    @Test
    void anInterruptedCallIsRetried() throws Exception {
        FakeLibc libc = new FakeLibc(FallocatePreallocator.EINTR, FallocatePreallocator.EINTR, 0);
        Path path = dir.resolve("eintr.bin");
        Files.createFile(path);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            new FallocatePreallocator(libc).extend(path, channel, 0, 4096);
        }
        assertThat(libc.calls).containsExactly("open", "fallocate 0+4096", "fallocate 0+4096", "fallocate 0+4096", "close");
    }

    @Test
    void aFileThatCannotBeOpenedIsNamed() throws Exception {
        FakeLibc libc = new FakeLibc(0);
        libc.openErrno = 13;
        Path path = dir.resolve("denied.bin");
        Files.createFile(path);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertThatThrownBy(() -> new FallocatePreallocator(libc).extend(path, channel, 0, 4096))
                    .isInstanceOf(IOException.class).hasMessageContaining("cannot open " + path).hasMessageContaining("errno 13");
        }
        assertThat(libc.calls).containsExactly("open");
    }

    /** The crash layers record writes through a FileIO; fallocate on the path would pass them by. */
    @Test
    void filesGrowThroughARecordingFileIOsChannels() {
        assertThat(StoreOptions.defaults().preallocator()).isSameAs(Preallocator.FALLOCATE);
        FileIO recording = new ForwardingFileIO() { };
        assertThat(TestOptions.withFileIO(StoreOptions.defaults(), recording).preallocator())
                .isSameAs(Preallocator.ZERO_FILL);
        assertThat(TestOptions.withFileIO(StoreOptions.defaults(), FileIO.SYSTEM).preallocator())
                .isSameAs(Preallocator.FALLOCATE);
    }

    /** A C library whose fallocate fails with the given errnos in turn (0 succeeds: the file is grown by setLength). */
    private static final class FakeLibc implements FallocatePreallocator.CLibrary {
        final List<String> calls = new ArrayList<>();
        final int[] errnos;
        int next;
        int openErrno;
        String openPath;

        FakeLibc(int... errnos) {
            this.errnos = errnos;
        }

        @Override
        public int open(String path, int flags) {
            calls.add("open");
            if (openErrno != 0) {
                throw new LastErrorException(openErrno);
            }
            assertThat(flags).isEqualTo(FallocatePreallocator.O_WRONLY_CLOEXEC);
            openPath = path;
            return 1234;
        }

        @Override
        public int fallocate(int fd, int mode, long offset, long length) {
            assertThat(fd).isEqualTo(1234);
            assertThat(mode).isZero();
            calls.add("fallocate " + offset + "+" + length);
            int errno = errnos[Math.min(next++, errnos.length - 1)];
            if (errno != 0) {
                throw new LastErrorException(errno);
            }
            try (RandomAccessFile file = new RandomAccessFile(openPath, "rw")) {
                file.setLength(Math.max(file.length(), offset + length));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return 0;
        }

        @Override
        public int close(int fd) {
            assertThat(fd).isEqualTo(1234);
            calls.add("close");
            return 0;
        }
    }

    private static void assumeLinuxWithProcAndStat() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/io")),
                "skipped: no /proc/self/io (not Linux); the injected-errno tests here still run");
        Process p = new ProcessBuilder("stat", "--version").redirectErrorStream(true).start();
        Assumptions.assumeTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0,
                "skipped: no GNU stat to count allocated blocks; the injected-errno tests here still run");
    }

    /** Bytes this process passed to write-like calls while {@code preallocator} grew a new file to {@code length}. */
    private static long writtenDuring(Path path, Preallocator preallocator, long length) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long before = wchar();
            preallocator.extend(path, channel, 0, length);
            return wchar() - before;
        }
    }

    private static long wchar() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("wchar:")) {
                return Long.parseLong(line.substring("wchar:".length()).trim());
            }
        }
        throw new IllegalStateException("no wchar in /proc/self/io");
    }

    private static long allocatedBytes(Path path) throws Exception {
        Process p = new ProcessBuilder("stat", "--format=%b %B", path.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0).as("stat: " + out).isTrue();
        String[] parts = out.split(" ");
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }

    private static void assertAllZero(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            long position = 0;
            while (channel.read(buffer.clear(), position) > 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    assertThat(buffer.get()).as("byte %d", position).isZero();
                    position++;
                }
            }
            assertThat(position).isEqualTo(Files.size(path));
        }
    }
}
