package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
