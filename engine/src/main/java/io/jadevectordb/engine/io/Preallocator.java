package io.jadevectordb.engine.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Extends a file with blocks that really exist on disk.
 *
 * <p>A sparse extension ({@code setLength}) defers block allocation to the first write
 * through the mapping, where a full disk becomes a SIGBUS that kills the JVM. Writing zeros
 * allocates the blocks now, so a full disk is an ordinary {@link IOException} here.
 */
@FunctionalInterface
public interface Preallocator {

    /** Makes {@code channel} at least {@code newLength} bytes long, allocating real blocks from {@code oldLength}. */
    void extend(FileChannel channel, long oldLength, long newLength) throws IOException;

    /** Writes zeros from {@code oldLength} to {@code newLength}. */
    Preallocator ZERO_FILL = (channel, oldLength, newLength) -> {
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
}
