package io.jadevectordb.engine.crash;

import java.nio.file.Path;

/**
 * One file-system operation as {@link RecordingFileIO} saw it complete, in the order they
 * completed. Files are named by a node number (their inode, so to speak) that follows them
 * across renames; a path is only where a node was visible at the time.
 */
sealed interface FileOp {

    /** The directory whose entries this operation changes, or null for data operations. */
    default Path directory() {
        return null;
    }

    /** A new, empty node appeared at {@code path}. */
    record Create(int node, Path path) implements FileOp {
        @Override
        public Path directory() {
            return path.getParent();
        }
    }

    /** {@code bytes} were written at {@code position} (into the page cache: not yet durable). */
    record Write(int node, long position, byte[] bytes) implements FileOp {
        @Override
        public String toString() {
            return "Write[node=" + node + ", position=" + position + ", length=" + bytes.length + "]";
        }
    }

    /** The node was cut to {@code size} bytes (if it was longer). */
    record Truncate(int node, long size) implements FileOp {
    }

    /** {@code fsync} ({@code metadata}) or {@code fdatasync} of the node returned: its data and size are durable. */
    record Force(int node, boolean metadata) implements FileOp {
    }

    /** The node at {@code from} was renamed to {@code to}, replacing whatever was there. */
    record Rename(int node, Path from, Path to) implements FileOp {
        @Override
        public Path directory() {
            return to.getParent();
        }
    }

    /** The node got a second name, {@code path} (a hard link); its other names stay. */
    record Link(int node, Path path) implements FileOp {
        @Override
        public Path directory() {
            return path.getParent();
        }
    }

    /** The node's name {@code path} was removed. */
    record Delete(int node, Path path) implements FileOp {
        @Override
        public Path directory() {
            return path.getParent();
        }
    }

    /** A new, empty directory appeared at {@code path}; what is in it is lost with it if its entry is. */
    record CreateDirectory(Path path) implements FileOp {
        @Override
        public Path directory() {
            return path.getParent();
        }
    }

    /** {@code fsync} of a directory returned: every entry change in it before this is durable. */
    record FsyncDirectory(Path directory) implements FileOp {
    }
}
