package io.jadevectordb.engine.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * File-level steps shared by shard creation, index growth and metadata files: creating a file
 * whole before it becomes visible, replacing it atomically, and making the rename durable.
 */
public final class ShardFiles {

    private ShardFiles() {
    }

    /** The temporary sibling a file is built in before it is renamed into place. */
    public static Path temporary(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    /** The index snapshot kept beside a shard file (written by {@code index.IndexSnapshot}). */
    public static Path indexSnapshot(Path shard) {
        return shard.resolveSibling(shard.getFileName() + ".index");
    }

    /**
     * The prefix of the index scratch files older versions made next to {@code near} for fresh
     * tables (an open deletes those a crash left).
     */
    public static String indexScratchPrefix(Path near) {
        return near.getFileName() + ".scratch-";
    }

    /** The lock file that keeps a second writer away from a shard (it survives atomic replaces of the shard). */
    public static Path lockFile(Path shard) {
        return shard.resolveSibling(shard.getFileName() + ".lock");
    }

    /**
     * Whether {@code file} is {@code shard} itself or one of the files kept beside it: its
     * temporary, its index snapshot and that snapshot's temporary, its lock file, and the index
     * scratch files of older versions. By exact name, never by prefix: a stream may be named
     * after another's shard file (stream {@code vectors-3.jvdb} feeds {@code vectors-3.jvdb-0.jvdb}).
     */
    public static boolean isFileOf(Path shard, Path file) {
        if (!file.getParent().equals(shard.getParent())) {
            return false;
        }
        Path snapshot = indexSnapshot(shard);
        for (Path own : new Path[] {shard, temporary(shard), snapshot, temporary(snapshot), lockFile(shard)}) {
            if (file.getFileName().equals(own.getFileName())) {
                return true;
            }
        }
        String name = file.getFileName().toString();
        String scratch = indexScratchPrefix(shard);
        if (name.startsWith(scratch) && name.length() > scratch.length()) {
            try {
                Long.parseUnsignedLong(name.substring(scratch.length()), 16);
                return true;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return false;
    }

    public static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
        }
    }

    /** Reads up to {@code length} bytes from the start of a file (fewer if it is shorter). */
    public static byte[] readPrefix(Path file, int length) throws IOException {
        return readPrefix(FileIO.SYSTEM, file, length);
    }

    /** {@link #readPrefix(Path, int)}, opening the file through {@code io}. */
    public static byte[] readPrefix(FileIO io, Path file, int length) throws IOException {
        try (FileChannel channel = io.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(length, channel.size()));
            while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
                // keep reading
            }
            return buffer.array();
        }
    }

    /** Atomically replaces {@code target} with {@code source}, then makes the rename durable. */
    public static void replace(FileIO io, Path source, Path target) throws IOException {
        io.move(source, target);
        fsyncDirectory(io, target.getParent());
    }

    /**
     * Creates {@code directory} and its missing parents, forcing each new directory's parent so
     * that its entry survives a power loss: a file forced in a directory whose own entry is lost
     * is lost with it.
     */
    public static void createDirectories(FileIO io, Path directory) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = directory; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        while (!missing.isEmpty()) {
            Path next = missing.pop();
            try {
                io.createDirectory(next);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(next)) {
                    throw e;
                }
            }
            fsyncDirectory(io, next.getParent());
        }
    }

    /** Forces a directory, so that entries created, renamed or deleted in it survive a power loss. */
    public static void fsyncDirectory(FileIO io, Path directory) throws IOException {
        io.fsyncDirectory(directory);
    }
}
