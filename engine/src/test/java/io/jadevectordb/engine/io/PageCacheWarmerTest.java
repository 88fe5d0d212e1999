package io.jadevectordb.engine.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PageCacheWarmerTest {

    private static final long SIZE = 8L << 20;

    @TempDir
    Path dir;

    /**
     * What the warmer is for: pages fallocate reserved are not in the page cache (mincore, through
     * {@link MappedByteBuffer#isLoaded}) until something touches them; after the warmer read the
     * range, they are. The first check is the control: without the warmer they stay out.
     */
    @Test
    void bringsAFreshlyAllocatedRangeIntoThePageCache() throws Exception {
        Assumptions.assumeTrue(FallocatePreallocator.available(), "skipped: fallocate(2) is not callable here");
        Path path = dir.resolve("cold.bin");
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            FallocatePreallocator.withoutWarming().extend(path, channel, 0, SIZE);
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, SIZE);
            assertThat(map.isLoaded()).as("fallocate alone caches nothing").isFalse();
            try (PageCacheWarmer warmer = new PageCacheWarmer("test-warmer")) {
                assertThat(warmer.warm(path, 0, SIZE)).isTrue();
                assertThat(warmer.awaitIdle(Duration.ofSeconds(30))).isTrue();
                assertThat(warmer.bytesRead()).isEqualTo(SIZE);
            }
            assertThat(map.isLoaded()).as("every page of the range is cached").isTrue();
            MappedFile.unmap(map);
        }
    }

    /** The default preallocator warms what it allocates, in the background. */
    @Test
    void fallocateWarmsWhatItAllocates() throws Exception {
        Assumptions.assumeTrue(FallocatePreallocator.available(), "skipped: fallocate(2) is not callable here");
        Path path = dir.resolve("warm.bin");
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            Preallocator.FALLOCATE.extend(path, channel, 0, SIZE);
            assertThat(PageCacheWarmer.shared().awaitIdle(Duration.ofSeconds(30))).isTrue();
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, SIZE);
            assertThat(map.isLoaded()).isTrue();
            MappedFile.unmap(map);
        }
    }

    /** Advisory: a range it cannot read is skipped, and the next one is still read. */
    @Test
    void aFileThatVanishedIsSkippedAndTheWarmerGoesOn() throws Exception {
        Path gone = dir.resolve("gone.bin");
        Path there = dir.resolve("there.bin");
        Files.write(there, new byte[64 * 1024]);
        try (PageCacheWarmer warmer = new PageCacheWarmer("test-warmer")) {
            assertThat(warmer.warm(gone, 0, SIZE)).isTrue();
            assertThat(warmer.warm(there, 0, 64 * 1024)).isTrue();
            assertThat(warmer.awaitIdle(Duration.ofSeconds(30))).isTrue();
            assertThat(warmer.bytesRead()).isEqualTo(64 * 1024);
        }
    }

    @Test
    void aClosedWarmerTakesNothing() throws Exception {
        PageCacheWarmer warmer = new PageCacheWarmer("test-warmer");
        warmer.close();
        assertThat(warmer.warm(dir.resolve("x.bin"), 0, 4096)).isFalse();
        assertThat(warmer.awaitIdle(Duration.ofSeconds(5))).isTrue();
    }
}
