package io.jadevectordb.engine.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Extends a file with blocks that really exist on disk.
 *
 * <p>A sparse extension ({@code setLength}) defers block allocation to the first write
 * through the mapping, where a full disk becomes a SIGBUS that kills the JVM. Both
 * implementations here allocate the blocks now, so a full disk is an ordinary
 * {@link IOException} when the file grows. Either way the new space reads as zeros, and until
 * the next force a power loss may or may not keep the extension: recovery sees the same
 * states from both.
 */
@FunctionalInterface
public interface Preallocator {

    /**
     * Makes the file at {@code path} (open as {@code channel}) at least {@code newLength} bytes
     * long, allocating real blocks from {@code oldLength}.
     */
    void extend(Path path, FileChannel channel, long oldLength, long newLength) throws IOException;

    /**
     * Writes zeros from {@code oldLength} to {@code newLength} through {@code channel}: every
     * byte passes through the page cache (and is later written again by the appends). Portable,
     * and what a recording or fault-injecting {@link FileIO} sees.
     */
    Preallocator ZERO_FILL = (path, channel, oldLength, newLength) -> {
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        long position = oldLength;
        while (position < newLength) {
            zeros.clear();
            zeros.limit((int) Math.min(zeros.capacity(), newLength - position));
            while (zeros.hasRemaining()) {
                position += channel.write(zeros, position);
            }
        }
    };

    /**
     * Linux {@code fallocate(2)}: the blocks are reserved without writing a byte; falls back to
     * {@link #ZERO_FILL} where that call is not available (see {@link FallocatePreallocator}).
     * The default.
     */
    Preallocator FALLOCATE = FallocatePreallocator.SYSTEM;
}
