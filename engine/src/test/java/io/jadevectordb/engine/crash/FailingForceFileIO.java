package io.jadevectordb.engine.crash;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * The real file system, except that forcing a channel of a file {@code failing} accepts
 * throws, as a disk that went away would: a shard that forces then fails (and closes).
 * The predicate is asked at each force, so a test can turn failures on after setting up.
 */
public final class FailingForceFileIO extends ForwardingFileIO {

    private final Predicate<Path> failing;

    public FailingForceFileIO(Predicate<Path> failing) {
        this.failing = failing;
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        return new ForwardingFileChannel(super.open(path, options)) {
            @Override
            public void force(boolean metaData) throws IOException {
                if (failing.test(path)) {
                    throw new IOException("injected: fsync of " + path + " failed (EIO)");
                }
                super.force(metaData);
            }
        };
    }
}
