package io.jadevectordb.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.crash.ForwardingFileChannel;
import io.jadevectordb.engine.crash.ForwardingFileIO;

class MappedFileTest {

    @TempDir
    Path dir;

    @Test
    void aReadPastTheEndOfAPartialLastChunkIsAnErrorNamingTheFileNotAnEndlessLoop() throws Exception {
        // 6,000 bytes in 4 KiB chunks: the last chunk is partial, where a read past the end used to make no progress.
        Path path = dir.resolve("f.bin");
        byte[] content = new byte[6000];
        content[5999] = 42;
        Files.write(path, content);
        try (MappedFile file = MappedFile.open(FileIO.SYSTEM, path, true, 4096)) {
            byte[] last = new byte[1];
            file.getBytes(5999, last, 0, 1);
            assertThat(last[0]).isEqualTo((byte) 42);
            assertThatThrownBy(() -> file.getBytes(5900, new byte[500], 0, 500)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining(path.toString()).hasMessageContaining("5900");
            assertThatThrownBy(() -> file.getFloats(5996, new float[4])).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> file.bytesEqual(5999, new byte[] {42, 0})).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    /**
     * Issue 15, finding 5: growing a file whose last chunk is partial remaps that chunk at its new
     * size. When mapping a later chunk fails, the old partial chunk must still be mapped and in
     * use (it was unmapped before the new map succeeded: a read then touched unmapped memory).
     */
    @Test
    void aFailedMapDuringGrowthLeavesTheOldMappingInUse() throws Exception {
        Path path = dir.resolve("g.bin");
        byte[] content = new byte[6000];
        content[5000] = 7;
        Files.write(path, content);
        FileIO failingMaps = new ForwardingFileIO() {
            @Override
            public FileChannel open(Path p, OpenOption... options) throws IOException {
                return new ForwardingFileChannel(super.open(p, options)) {
                    @Override
                    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
                        if (position >= 8192) {
                            throw new IOException("injected: mmap failed (ENOMEM)");
                        }
                        return super.map(mode, position, size);
                    }
                };
            }
        };
        try (MappedFile file = MappedFile.open(failingMaps, path, false, 4096)) {
            Throwable failure = catchThrowable(() -> file.extend(16384, Preallocator.ZERO_FILL));
            assertThat(file.length()).isEqualTo(6000);
            assertThat(Files.size(path)).as("cut back").isEqualTo(6000);
            byte[] read = new byte[1];
            file.getBytes(5000, read, 0, 1);
            assertThat(read[0]).isEqualTo((byte) 7);
            try (MappedFile fresh = MappedFile.open(FileIO.SYSTEM, path, true, 4096)) {
                assertThat(file.crc32c(4096, 1904)).isEqualTo(fresh.crc32c(4096, 1904));
            }
            assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining(path.toString());
        }
    }
}
