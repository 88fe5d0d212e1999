package io.jadevectordb.engine.crash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds, from a {@link Recording} and a crash point, a directory a power loss at that point
 * could leave (the model of Lucene's {@code MockDirectoryWrapper.crash()}, ALICE and
 * CrashMonkey).
 *
 * <p>The model, per file node:
 * <ul>
 *   <li>its content as of its last completed force before the crash point is on disk (a force
 *       is {@code fdatasync}: data and size);</li>
 *   <li>after that force, any subset of the later writes and truncates may have reached the
 *       disk, in any mixture: each 4 KiB page independently holds its forced version, its
 *       final version, or <em>any intermediate version</em> (the kernel may have written the
 *       page back at any moment), or is torn, each 512-byte sector independently taking any
 *       of those versions (a single sector is written atomically, as disks guarantee);</li>
 *   <li>its length is its forced length or any length it had after a later write or
 *       truncate; space past the forced length that no chosen version covers reads as zeros.</li>
 * </ul>
 * Per directory, entry changes (create, rename, link, delete, directory creation) are durable
 * up to the directory's last completed {@code fsync}, plus a random prefix of the later ones, in
 * order (a journaling file system commits metadata in order; it never reorders a rename before
 * an earlier create).
 * Forcing a file does not make its name durable; a directory whose own entry is lost loses
 * everything under it.
 *
 * <p>Not modelled: a disk that reorders or loses a <em>forced</em> write, corruption of bytes
 * that were never written, and metadata other than names and lengths (times, permissions).
 *
 * <p>Images are built incrementally: crash points must not decrease between calls on one
 * instance (a smaller one restarts from the beginning of the recording).
 */
public final class PowerLossImages {

    static final int PAGE = 4096;
    static final int SECTOR = 512;

    private final Recording recording;
    private final List<FileOp> ops;
    private final Map<Integer, NodeState> nodes = new HashMap<>();
    /** The first operation not yet folded into {@link #nodes}. */
    private int cursor;

    public PowerLossImages(Recording recording) {
        this.recording = recording;
        this.ops = recording.ops();
        reset();
    }

    /** The number of operations: crash points are 0..size() inclusive. */
    public int size() {
        return ops.size();
    }

    private void reset() {
        nodes.clear();
        recording.baselineContents().forEach((node, bytes) -> nodes.put(node, new NodeState(bytes)));
        cursor = 0;
    }

    /** A file's bytes at a crash point: committed bytes plus whatever of the later writes the model allows. */
    private static final class NodeState {
        byte[] current;
        int length;
        byte[] durable;
        /** Indices (into the ops) of the writes and truncates since the last force. */
        final List<Integer> pending = new ArrayList<>();

        NodeState(byte[] baseline) {
            current = baseline.clone();
            length = baseline.length;
            durable = baseline.clone();
        }

        void apply(FileOp op) {
            if (op instanceof FileOp.Write w) {
                int end = Math.toIntExact(w.position() + w.bytes().length);
                ensure(end);
                System.arraycopy(w.bytes(), 0, current, (int) w.position(), w.bytes().length);
                length = Math.max(length, end);
            } else if (op instanceof FileOp.Truncate t && t.size() < length) {
                Arrays.fill(current, (int) t.size(), length, (byte) 0);
                length = (int) t.size();
            }
        }

        void ensure(int capacity) {
            if (current.length < capacity) {
                current = Arrays.copyOf(current, Math.max(capacity, current.length * 2));
            }
        }

        void force() {
            durable = Arrays.copyOf(current, length);
            pending.clear();
        }
    }

    private void advance(int crashPoint) {
        if (crashPoint < cursor) {
            reset();
        }
        for (; cursor < crashPoint; cursor++) {
            FileOp op = ops.get(cursor);
            if (op instanceof FileOp.Create c) {
                nodes.put(c.node(), new NodeState(new byte[0]));
            } else if (op instanceof FileOp.Write w) {
                NodeState n = nodes.get(w.node());
                n.apply(op);
                n.pending.add(cursor);
            } else if (op instanceof FileOp.Truncate t) {
                NodeState n = nodes.get(t.node());
                n.apply(op);
                n.pending.add(cursor);
            } else if (op instanceof FileOp.Force f) {
                nodes.get(f.node()).force();
            }
        }
    }

    /**
     * Writes into {@code target} (which must be empty or absent) the files a power loss right
     * before operation {@code crashPoint} could leave; returns the image's files relative to it.
     */
    public List<Path> materialise(int crashPoint, Random random, Path target) throws IOException {
        return materialise(crashPoint, random, target, false);
    }

    /**
     * The least a power loss right before {@code crashPoint} may leave: each file exactly as of
     * its last force, directory entries exactly as of the last directory force, none of the
     * later writes. Whatever a commit promised must be readable from this image; a check on
     * it fails as soon as one force the promise depends on is missing.
     */
    public List<Path> materialiseForcedOnly(int crashPoint, Path target) throws IOException {
        return materialise(crashPoint, new Random(0), target, true);
    }

    private List<Path> materialise(int crashPoint, Random random, Path target, boolean forcedOnly) throws IOException {
        if (crashPoint < 0 || crashPoint > ops.size()) {
            throw new IllegalArgumentException("crash point " + crashPoint + " outside 0.." + ops.size());
        }
        advance(crashPoint);
        Files.createDirectories(target);
        List<Path> written = new ArrayList<>();
        for (Map.Entry<Path, Integer> e : durableNames(crashPoint, random, forcedOnly).entrySet()) {
            Path relative = recording.root().relativize(e.getKey());
            Path file = target.resolve(relative);
            Files.createDirectories(file.getParent());
            NodeState node = nodes.get(e.getValue());
            Files.write(file, forcedOnly ? node.durable : content(node, random));
            written.add(relative);
        }
        return written;
    }

    /** Path -> node as the directories hold them after the crash. */
    private Map<Path, Integer> durableNames(int crashPoint, Random random, boolean forcedOnly) {
        Map<Path, Integer> lastSync = new HashMap<>();
        Map<Path, List<FileOp>> changes = new LinkedHashMap<>();
        for (int i = 0; i < crashPoint; i++) {
            FileOp op = ops.get(i);
            if (op instanceof FileOp.FsyncDirectory d) {
                lastSync.put(d.directory(), changes.getOrDefault(d.directory(), List.of()).size());
            } else if (op.directory() != null) {
                changes.computeIfAbsent(op.directory(), k -> new ArrayList<>()).add(op);
            }
        }
        Map<Path, Integer> names = new TreeMap<>(recording.baselineNames());
        Set<Path> lostDirectories = new HashSet<>();
        for (Map.Entry<Path, List<FileOp>> e : changes.entrySet()) {
            List<FileOp> list = e.getValue();
            int durable = lastSync.getOrDefault(e.getKey(), 0);
            int survive = forcedOnly ? durable : durable + random.nextInt(list.size() - durable + 1);
            for (FileOp op : list.subList(survive, list.size())) {
                if (op instanceof FileOp.CreateDirectory c) {
                    lostDirectories.add(c.path());
                }
            }
            for (FileOp op : list.subList(0, survive)) {
                if (op instanceof FileOp.Create c) {
                    names.put(c.path(), c.node());
                } else if (op instanceof FileOp.Rename r) {
                    names.remove(r.from());
                    names.put(r.to(), r.node());
                } else if (op instanceof FileOp.Link l) {
                    names.put(l.path(), l.node());
                } else if (op instanceof FileOp.Delete d) {
                    names.remove(d.path(), d.node());
                }
            }
        }
        // A directory whose own entry did not survive takes everything under it along.
        names.keySet().removeIf(path -> {
            for (Path parent = path.getParent(); parent != null; parent = parent.getParent()) {
                if (lostDirectories.contains(parent)) {
                    return true;
                }
            }
            return false;
        });
        return names;
    }

    /** One node's bytes after the crash: its forced content plus a random allowed mixture of the later writes. */
    private byte[] content(NodeState node, Random random) {
        if (node.pending.isEmpty()) {
            return node.durable.clone();
        }
        // Replay the pending operations over the forced content, keeping each version of each page they touch.
        byte[] work = Arrays.copyOf(node.durable, Math.max(node.length, node.durable.length));
        int length = node.durable.length;
        int capacity = work.length;
        List<Integer> lengths = new ArrayList<>(List.of(length));
        Map<Integer, List<byte[]>> versions = new TreeMap<>();
        for (int index : node.pending) {
            FileOp op = ops.get(index);
            int from;
            int to;
            if (op instanceof FileOp.Write w) {
                from = (int) w.position();
                to = from + w.bytes().length;
                if (to > capacity) {
                    work = Arrays.copyOf(work, to);
                    capacity = to;
                }
                System.arraycopy(w.bytes(), 0, work, from, w.bytes().length);
                length = Math.max(length, to);
            } else {
                FileOp.Truncate t = (FileOp.Truncate) op;
                from = (int) Math.min(t.size(), length);
                to = length;
                Arrays.fill(work, from, to, (byte) 0);
                length = from;
            }
            lengths.add(length);
            for (int page = from / PAGE; page * PAGE < to; page++) {
                List<byte[]> list = versions.computeIfAbsent(page, k -> new ArrayList<>());
                if (list.isEmpty()) {
                    list.add(pageOf(node.durable, page));
                }
                list.add(pageOf(work, page));
            }
        }
        int finalLength = random.nextBoolean() ? length : lengths.get(random.nextInt(lengths.size()));
        byte[] image = Arrays.copyOf(node.durable, Math.max(finalLength, node.durable.length));
        for (Map.Entry<Integer, List<byte[]>> e : versions.entrySet()) {
            int at = e.getKey() * PAGE;
            if (at >= image.length) {
                continue;
            }
            byte[] page = choosePage(e.getValue(), random);
            System.arraycopy(page, 0, image, at, Math.min(PAGE, image.length - at));
        }
        return Arrays.copyOf(image, finalLength);
    }

    /** Versions: [forced, after the first later write, ..., final]. */
    private static byte[] choosePage(List<byte[]> versions, Random random) {
        int last = versions.size() - 1;
        switch (random.nextInt(4)) {
            case 0:
                return versions.get(0); // never written back
            case 1:
                return versions.get(last);
            case 2:
                return versions.get(1 + random.nextInt(last)); // written back at some moment in between
            default:
                byte[] torn = new byte[PAGE];
                for (int s = 0; s < PAGE; s += SECTOR) {
                    System.arraycopy(versions.get(random.nextInt(last + 1)), s, torn, s, SECTOR);
                }
                return torn;
        }
    }

    private static byte[] pageOf(byte[] bytes, int page) {
        byte[] out = new byte[PAGE];
        int from = page * PAGE;
        if (from < bytes.length) {
            System.arraycopy(bytes, from, out, 0, Math.min(PAGE, bytes.length - from));
        }
        return out;
    }
}
