package io.jadevectordb.engine.crash;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.jadevectordb.engine.io.FileIO;

/**
 * A {@link FileIO} that records every write, truncate, force, create, rename, link, delete,
 * directory creation and directory force under one root directory, in order, per file node (following renames), so
 * that {@link PowerLossImages} can build what a power loss at any point could leave on disk.
 * This is Lucene's {@code MockDirectoryWrapper} idea (and ALICE's / CrashMonkey's recorded
 * block trace) at the level of the engine's one I/O seam.
 *
 * <p>What is not recorded, by design of the seam: writes through a {@code READ_WRITE} mapping
 * (refused by {@link RecordingChannel#map}), files created outside the seam (the writer's
 * {@code .lock} file, which holds no data), and reads.
 *
 * <p>By default the real forces are skipped ({@code realForces = false}): the images are
 * built from the recording, so the real disk's durability is irrelevant, and thousands of real
 * {@code fsync}s on a shared CI disk would dominate the run. The recorded order is unchanged.
 */
public final class RecordingFileIO implements FileIO {

    private final Recording recording;
    private final boolean realForces;
    private final boolean dropForces;
    /** Where each node is visible now. */
    private final Map<Path, Integer> names = new HashMap<>();
    private int nextNode;

    private RecordingFileIO(Recording recording, Map<Path, Integer> names, int nextNode, boolean realForces,
                            boolean dropForces) {
        this.recording = recording;
        this.realForces = realForces;
        this.dropForces = dropForces;
        this.names.putAll(names);
        this.nextNode = nextNode;
    }

    /**
     * Starts recording under {@code root}. Every file already there is taken as durable (the
     * baseline): an empty directory, or a crash image just materialised.
     */
    public static RecordingFileIO under(Path root) throws IOException {
        Path absolute = root.toAbsolutePath().normalize();
        Map<Path, Integer> names = new HashMap<>();
        Map<Integer, byte[]> contents = new HashMap<>();
        try (Stream<Path> files = Files.walk(absolute)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                int node = names.size();
                names.put(file, node);
                contents.put(node, Files.readAllBytes(file));
            }
        }
        return new RecordingFileIO(new Recording(absolute, names, contents), names, names.size(), false, false);
    }

    /**
     * The same recorder, except that file and directory forces are dropped, as if the engine
     * never called them: a test of durability must fail against it (DESIGN.md, testing 2).
     */
    synchronized RecordingFileIO withoutForces() {
        return new RecordingFileIO(recording, names, nextNode, false, true);
    }

    public Recording recording() {
        return recording;
    }

    private Path key(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        if (!absolute.startsWith(recording.root())) {
            throw new IllegalArgumentException("file " + path + " is outside the recorded root " + recording.root());
        }
        return absolute;
    }

    @Override
    public synchronized FileChannel open(Path path, OpenOption... options) throws IOException {
        Set<OpenOption> set = Set.of(options);
        if (set.contains(StandardOpenOption.APPEND) || set.contains(StandardOpenOption.DELETE_ON_CLOSE)
                || set.contains(StandardOpenOption.SPARSE)) {
            throw new UnsupportedOperationException("RecordingFileIO does not model " + set + " (opening " + path + ")");
        }
        Path key = key(path);
        boolean existed = Files.exists(key);
        FileChannel real = FileChannel.open(key, options);
        boolean writable = set.contains(StandardOpenOption.WRITE);
        Integer node = names.get(key);
        if (!existed) {
            node = nextNode++;
            names.put(key, node);
            recording.add(new FileOp.Create(node, key));
        } else if (node == null) {
            if (writable) {
                real.close();
                throw new IllegalStateException("file " + key + " was created outside the FileIO seam; its writes cannot be recorded");
            }
            return real; // read-only view of a file the recording does not track: nothing to record
        }
        if (writable && set.contains(StandardOpenOption.TRUNCATE_EXISTING) && existed) {
            recording.add(new FileOp.Truncate(node, 0));
        }
        return new RecordingChannel(real, node, key, recording, realForces, dropForces);
    }

    @Override
    public synchronized void move(Path source, Path target) throws IOException {
        Path from = key(source);
        Path to = key(target);
        if (!from.getParent().equals(to.getParent())) {
            throw new UnsupportedOperationException("rename across directories is not modelled: " + from + " -> " + to);
        }
        Integer node = names.get(from);
        if (node == null) {
            throw new IllegalStateException("rename of " + from + ", which the recording does not track");
        }
        FileIO.SYSTEM.move(from, to);
        names.remove(from);
        names.put(to, node);
        recording.add(new FileOp.Rename(node, from, to));
    }

    @Override
    public synchronized void createLink(Path link, Path existing) throws IOException {
        Path to = key(link);
        Path from = key(existing);
        if (!from.getParent().equals(to.getParent())) {
            throw new UnsupportedOperationException("a link across directories is not modelled: " + to + " -> " + from);
        }
        Integer node = names.get(from);
        if (node == null) {
            throw new IllegalStateException("link to " + from + ", which the recording does not track");
        }
        FileIO.SYSTEM.createLink(to, from);
        names.put(to, node);
        recording.add(new FileOp.Link(node, to));
    }

    @Override
    public synchronized boolean deleteIfExists(Path path) throws IOException {
        Path key = key(path);
        Integer node = names.get(key);
        boolean deleted = Files.deleteIfExists(key);
        if (deleted) {
            if (node == null) {
                throw new IllegalStateException("deleted " + key + ", which was created outside the FileIO seam");
            }
            names.remove(key);
            recording.add(new FileOp.Delete(node, key));
        }
        return deleted;
    }

    @Override
    public synchronized void createDirectory(Path directory) throws IOException {
        Path key = key(directory);
        Files.createDirectory(key);
        recording.add(new FileOp.CreateDirectory(key));
    }

    @Override
    public synchronized void fsyncDirectory(Path directory) throws IOException {
        if (dropForces) {
            return;
        }
        if (realForces) {
            FileIO.SYSTEM.fsyncDirectory(directory);
        }
        recording.add(new FileOp.FsyncDirectory(key(directory)));
    }

    /** The nodes visible now, for tests of the recorder itself. */
    synchronized Map<Path, Integer> names() {
        return Map.copyOf(names);
    }
}
