package io.jadevectordb.engine.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The one seam all store file I/O goes through (shards, database metadata, source markers):
 * opening channels, atomic renames, links, deletes and directory forces. The engine writes
 * files only with {@code pwrite} on channels from here and makes them durable only with
 * {@link FileChannel#force} on those channels (never by writing or forcing through a mapping),
 * so a test can record every write and every force, in order, and build the images a power
 * loss could leave, as Lucene's {@code MockDirectoryWrapper} does. Mappings are for reading.
 * Directory creation, the writer's empty {@code .lock} files and the removal of a whole
 * database directory pass it too (not recorded: they hold no data), so a test can make any of
 * them fail or be interrupted.
 */
public interface FileIO {

    /** The real file system. */
    FileIO SYSTEM = new FileIO() {
        @Override
        public FileChannel open(Path path, OpenOption... options) throws IOException {
            return FileChannel.open(path, options);
        }

        @Override
        public void move(Path source, Path target) throws IOException {
            try {
                Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + target + " atomically: the file system does not support atomic rename", e);
            }
        }

        @Override
        public void createLink(Path link, Path existing) throws IOException {
            Files.createLink(link, existing);
        }

        @Override
        public boolean deleteIfExists(Path path) throws IOException {
            return Files.deleteIfExists(path);
        }

        @Override
        public void fsyncDirectory(Path directory) throws IOException {
            try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
                channel.force(true);
            }
        }
    };

    /** Opens a channel, as {@link FileChannel#open(Path, OpenOption...)}. */
    FileChannel open(Path path, OpenOption... options) throws IOException;

    /** Renames {@code source} over {@code target} atomically (not yet durable: force the directory). */
    void move(Path source, Path target) throws IOException;

    /**
     * Gives the file {@code existing} a second name {@code link} in the same directory; fails
     * with {@link java.nio.file.FileAlreadyExistsException} when {@code link} exists, so of
     * two racing creators exactly one wins (not yet durable: force the directory).
     */
    void createLink(Path link, Path existing) throws IOException;

    /** Deletes a file if it exists (not yet durable: force the directory). */
    boolean deleteIfExists(Path path) throws IOException;

    /** Creates one directory in an existing parent, as {@link Files#createDirectory} (not yet durable: force the parent). */
    default void createDirectory(Path directory) throws IOException {
        Files.createDirectory(directory);
    }

    /** Forces a directory, so entries created, renamed or deleted in it survive a power loss. */
    void fsyncDirectory(Path directory) throws IOException;

    /** Opens (creating) a writer's {@code .lock} file, which holds no data, to take an OS lock on it. */
    default FileChannel openLock(Path lockFile) throws IOException {
        return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    /** Deletes a directory and everything in it, deepest first (not yet durable: force its parent). */
    default void deleteDirectory(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(directory)) {
            entries = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path entry : entries) {
            Files.deleteIfExists(entry);
        }
    }
}
