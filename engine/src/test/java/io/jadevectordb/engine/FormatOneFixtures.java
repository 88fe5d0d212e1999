package io.jadevectordb.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import io.jadevectordb.engine.format.Checkpoint;
import io.jadevectordb.engine.format.ShardFormat;

/**
 * The format 1 shard files under {@code src/test/resources/format1} (written by the format 1
 * writer before it was deleted; see the README there) and what migrating each must give.
 */
public final class FormatOneFixtures {

    /** The hand-made fixtures: a clean file, one with a torn in-place update, one with whole but uncommitted entries. */
    static final List<String> MADE = List.of("clean", "torn", "uncommitted");
    /** Power-loss images of the recorded format 1 workload of {@code crash-workload.txt}. */
    public static final List<String> CRASH_IMAGES = List.of("crash-0", "crash-1", "crash-2", "crash-3", "crash-4", "crash-5");

    private FormatOneFixtures() {
    }

    /** Copies fixture {@code name} to {@code target} (a shard file path). */
    public static Path copy(String name, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Files.write(target, bytes(name + ".jvdb"));
        return target;
    }

    /** What migrating fixture {@code name} gives, as {@link #describeMigrated} renders it. */
    static String expected(String name) throws IOException {
        return new String(bytes(name + ".expected.txt"), StandardCharsets.UTF_8);
    }

    static byte[] bytes(String resource) throws IOException {
        try (InputStream in = FormatOneFixtures.class.getResourceAsStream("/format1/" + resource)) {
            if (in == null) {
                throw new IOException("no test resource format1/" + resource);
            }
            return in.readAllBytes();
        }
    }

    /** The mutations of the recorded crash workload, in offset order, with the outcome each had in the recorded run. */
    public static List<Recorded> crashWorkload() throws IOException {
        List<Recorded> out = new ArrayList<>();
        for (String line : new String(bytes("crash-workload.txt"), StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(" ");
            long offset = Long.parseLong(f[0]);
            Mutation.Op op = Mutation.Op.valueOf(f[1]);
            float[] vector = null;
            if (op != Mutation.Op.DELETE) {
                String[] v = f[4].split(",");
                vector = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    vector[i] = Float.parseFloat(v[i]);
                }
            }
            out.add(new Recorded(new Mutation(op, f[2], vector, offset), Mutation.Outcome.valueOf(f[3])));
        }
        return out;
    }

    /** One mutation of the recorded workload and its first outcome. */
    public record Recorded(Mutation mutation, Mutation.Outcome outcome) {
    }

    /** One line per mutation: {@code offset op id outcome [v0,v1,...]}. */
    static String describeWorkload(List<Mutation> source, List<Mutation.Outcome> outcomes) {
        StringBuilder b = new StringBuilder("# offset op id first-outcome vector\n");
        for (Mutation m : source) {
            b.append(m.sourceOffset()).append(' ').append(m.op()).append(' ').append(m.id()).append(' ')
                    .append(outcomes.get((int) m.sourceOffset()));
            if (m.vector() != null) {
                b.append(' ').append(floats(m.vector()));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /**
     * A format 2 file as text, independent of its log id and record order: the header's shape,
     * the newest checkpoint, then one line per record sorted by id (STORE with its offset and
     * vector, DELETE with its offset, PLACEHOLDER for a STORE at offset -1).
     */
    static String describeMigrated(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            byte[] page = Arrays.copyOf(bytes, ShardFormat.PAGE_SIZE);
            ShardFormat format = ShardFormat.decode(file, page);
            Checkpoint c = Checkpoint.newest(file.toString(), page);
            StringBuilder b = new StringBuilder();
            b.append("format ").append(ShardFormat.version(file, page)).append(", dimension ").append(format.dimension())
                    .append(", max id bytes ").append(format.maxIdBytes()).append('\n');
            b.append("checkpoint generation ").append(c.generation()).append(", source offset ").append(c.sourceOffset())
                    .append(", live ").append(c.liveCount()).append(", deleted ").append(c.deletedCount()).append(", entry high water ")
                    .append(c.entryHighWater()).append(", clean ").append(c.clean()).append('\n');
            ByteBuffer view = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            List<String> records = new ArrayList<>();
            for (long at = ShardFormat.FIRST_RECORD; at < c.logEnd(); ) {
                int p = (int) at;
                int length = view.getInt(p);
                byte type = view.get(p + 4);
                int idLength = Short.toUnsignedInt(view.getShort(p + 6));
                long offset = view.getLong(p + 8);
                int payload = view.getInt(p + 16);
                String id = new String(bytes, p + ShardFormat.RECORD_HEADER + payload, idLength, StandardCharsets.UTF_8);
                if (type == ShardFormat.TYPE_DELETE) {
                    records.add("DELETE " + id + " @" + offset);
                } else {
                    float[] v = new float[payload / Float.BYTES];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = view.getFloat(p + ShardFormat.RECORD_HEADER + i * Float.BYTES);
                    }
                    records.add((offset == ShardFormat.PLACEHOLDER_OFFSET ? "PLACEHOLDER " + id : "STORE " + id + " @" + offset) + " "
                            + floats(v));
                }
                if (length <= 0) {
                    throw new IllegalStateException("record length " + length + " at " + at + " of " + file);
                }
                at += length;
            }
            records.sort(null);
            records.forEach(r -> b.append(r).append('\n'));
            return b.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String floats(float[] v) {
        return Arrays.stream(toDoubles(v)).mapToObj(d -> Float.toString((float) d)).collect(Collectors.joining(","));
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
