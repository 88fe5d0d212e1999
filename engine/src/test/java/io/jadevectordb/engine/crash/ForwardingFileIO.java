package io.jadevectordb.engine.crash;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

import io.jadevectordb.engine.io.FileIO;

/**
 * The real file system ({@link FileIO#SYSTEM}) call for call: the base of test seams that
 * change one call (what {@code open} returns, say) and pass the rest on.
 */
public class ForwardingFileIO implements FileIO {

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        return FileIO.SYSTEM.open(path, options);
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
}
