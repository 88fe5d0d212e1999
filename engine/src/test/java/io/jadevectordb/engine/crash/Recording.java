package io.jadevectordb.engine.crash;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link RecordingFileIO} saw: the durable starting state of a directory tree (its
 * baseline: every file's bytes and node number when recording began) and every operation
 * after it, in completion order. A crash point is an index into {@link #ops()}: the operations
 * before it completed, the rest never started.
 */
public final class Recording {

    private final Path root;
    private final Map<Path, Integer> baselineNames;
    private final Map<Integer, byte[]> baselineContents;
    private final List<FileOp> ops = new ArrayList<>();

    Recording(Path root, Map<Path, Integer> baselineNames, Map<Integer, byte[]> baselineContents) {
        this.root = root;
        this.baselineNames = Collections.unmodifiableMap(new LinkedHashMap<>(baselineNames));
        this.baselineContents = Collections.unmodifiableMap(new LinkedHashMap<>(baselineContents));
    }

    Path root() {
        return root;
    }

    /** Path -> node of the files that existed, durably, when recording began. */
    Map<Path, Integer> baselineNames() {
        return baselineNames;
    }

    /** Node -> bytes of the files that existed when recording began. */
    Map<Integer, byte[]> baselineContents() {
        return baselineContents;
    }

    synchronized void add(FileOp op) {
        ops.add(op);
    }

    /** The number of operations so far: a crash point "right now". */
    public synchronized int mark() {
        return ops.size();
    }

    /** A snapshot of the operations so far. */
    synchronized List<FileOp> ops() {
        return List.copyOf(ops);
    }

    /** A short description of the operations around a crash point, for failure messages. */
    synchronized String describe(int crashPoint) {
        StringBuilder out = new StringBuilder("crash point " + crashPoint + " of " + ops.size() + " ops");
        int from = Math.max(0, crashPoint - 3);
        for (int i = from; i < Math.min(ops.size(), crashPoint + 2); i++) {
            out.append(i == crashPoint ? "\n  -> never ran: " : "\n     ").append(i).append(": ").append(ops.get(i));
        }
        return out.toString();
    }
}
