package io.jadevectordb.engine.shard;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

import io.jadevectordb.engine.CorruptShardException;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.StoredVector;
import io.jadevectordb.engine.format.Checkpoint;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.index.IdTable;
import io.jadevectordb.engine.index.ShardIndex;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.MappedFile;
import io.jadevectordb.engine.io.ShardFiles;

/**
 * A lock-free, read-only view of a version 2 shard as of its last completed commit, for tools
 * and readers in other processes: safe while a writer appends, compacts or snapshots, because
 * committed bytes are never rewritten and files are replaced only by rename (an open view keeps
 * reading the file it mapped). It never sees an uncommitted or torn record, and checks the
 * checksum of every record it returns.
 */
public final class ShardView implements Closeable {

    private static final int ATTEMPTS = 3;

    private final String name;
    private final MappedFile file;
    private final ShardFormat format;
    private final Checkpoint checkpoint;
    private final ShardIndex index;
    private final long snapshotEnd;
    /** The index was handed over ({@link #detachIndex}): closing leaves it alone. */
    private boolean detached;
    private final CRC32C crc = new CRC32C();

    private ShardView(String name, MappedFile file, ShardFormat format, Checkpoint checkpoint, ShardIndex index, long snapshotEnd) {
        this.name = name;
        this.file = file;
        this.format = format;
        this.checkpoint = checkpoint;
        this.index = index;
        this.snapshotEnd = snapshotEnd;
    }

    /** Opens a view of the shard's last completed commit (its index in anonymous memory: nothing is created on disk). */
    public static ShardView open(String name, Path path, StoreOptions options) throws IOException {
        FileIO io = options.fileIO();
        for (int attempt = 1; ; attempt++) {
            // The header is read before mapping, so the mapping is at least as long as the log end it names.
            byte[] page = ShardFiles.readPrefix(io, path, ShardFormat.PAGE_SIZE);
            ShardFormat format = ShardFormat.decode(path, page);
            Checkpoint checkpoint = Checkpoint.newest(name, page);
            MappedFile file = MappedFile.open(io, path, true, options.mapChunkBytes());
            boolean success = false;
            try {
                byte[] mapped = new byte[64];
                file.getBytes(0, mapped, 0, mapped.length);
                if (!Arrays.equals(mapped, 0, 64, page, 0, 64) || file.length() < checkpoint.logEnd()) {
                    // Compaction replaced the file between the two reads: look again.
                    if (attempt < ATTEMPTS) {
                        continue;
                    }
                    throw new CorruptShardException("shard " + name + ": the file kept changing under the reader (" + ATTEMPTS
                            + " attempts); try again");
                }
                IndexLoader.Loaded loaded = IndexLoader.load(name, io, path, format, file, checkpoint, 0);
                success = true;
                return new ShardView(name, file, format, checkpoint, loaded.index(), loaded.snapshotEnd());
            } finally {
                if (!success) {
                    file.close();
                }
            }
        }
    }

    String name() {
        return name;
    }

    ShardFormat format() {
        return format;
    }

    Checkpoint checkpoint() {
        return checkpoint;
    }

    ShardIndex index() {
        return index;
    }

    MappedFile file() {
        return file;
    }

    /** Where the index snapshot this view started from ended ({@link ShardFormat#FIRST_RECORD} without one). */
    long snapshotEnd() {
        return snapshotEnd;
    }

    /**
     * The live vector of an id, or null.
     *
     * @throws CorruptShardException when its record fails its checksum (damage: committed records never change)
     */
    public float[] get(byte[] id) throws CorruptShardException {
        long entry = index.find(id, ShardIndex.hash(id));
        if (entry < 0 || index.deletedAt(entry) || index.offsetAt(entry) == ShardFormat.PLACEHOLDER_OFFSET) {
            return null;
        }
        long position = index.positionAt(entry);
        if (!recordIntact(position, index.lengthAt(entry))) {
            throw new CorruptShardException("shard " + name + ": the record of id '" + new String(id, StandardCharsets.UTF_8)
                    + "' at position " + position + " fails its checksum; run `jvdb verify`, then restore the file or replay the source");
        }
        float[] vector = new float[format.dimension()];
        file.getFloats(position + ShardFormat.RECORD_HEADER, vector);
        return vector;
    }

    /**
     * The live vector of an id with its metadata, or null.
     *
     * @throws CorruptShardException when its record fails its checksum (damage: committed records never change)
     */
    public StoredVector getEntry(byte[] id) throws CorruptShardException {
        long entry = index.find(id, ShardIndex.hash(id));
        if (entry < 0 || index.deletedAt(entry) || index.offsetAt(entry) == ShardFormat.PLACEHOLDER_OFFSET) {
            return null;
        }
        long position = index.positionAt(entry);
        int length = index.lengthAt(entry);
        byte[] record = intactRecord(position, length);
        if (record == null) {
            throw new CorruptShardException("shard " + name + ": the record of id '" + new String(id, StandardCharsets.UTF_8)
                    + "' at position " + position + " fails its checksum; run `jvdb verify`, then restore the file or replay the source");
        }
        float[] vector = new float[format.dimension()];
        ByteBuffer.wrap(record, ShardFormat.RECORD_HEADER, vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
        return new StoredVector(new String(id, StandardCharsets.UTF_8), vector, ShardFormat.metadataOf(record, length));
    }

    private boolean recordIntact(long position, int length) {
        return intactRecord(position, length) != null;
    }

    /** The bytes of the record at {@code position} when its length and checksum hold, else null. */
    private byte[] intactRecord(long position, int length) {
        byte[] record = new byte[length];
        return intactRecord(position, length, record) ? record : null;
    }

    /** Reads the record at {@code position} into {@code record}; whether its length and checksum hold. */
    private boolean intactRecord(long position, int length, byte[] record) {
        file.getBytes(position, record, 0, length);
        ByteBuffer b = ByteBuffer.wrap(record, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        int body = ShardFormat.checkedBodyLength(b, length);
        if (body < 0) {
            return false;
        }
        crc.reset();
        crc.update(record, 0, 20);
        crc.update(record, ShardFormat.RECORD_HEADER, body);
        return b.getInt(0) == length && b.getInt(20) == (int) crc.getValue();
    }

    /** Visits every live vector whose record is intact; returns how many failed their checksum. */
    public long scan(BiConsumer<String, float[]> visitor) {
        long[] unreadable = {0};
        IdTable table = index.table();
        scan(table, file, format, visitor, p -> {
            if (recordIntact(table.positionAt(p), table.lengthAt(p))) {
                return true;
            }
            unreadable[0]++;
            return false;
        });
        return unreadable[0];
    }

    /**
     * Decides, from an entry's id and its metadata read in place, whether a scan copies its
     * vector and hands it on.
     */
    @FunctionalInterface
    public interface EntryTest {
        /**
         * @param record         the record's bytes (a buffer reused for the next entry: copy what is kept)
         * @param metadataOffset where the metadata document starts in {@code record}, -1 when there is none
         * @param metadataLength its length (0 when there is none)
         */
        boolean accept(String id, byte[] record, int metadataOffset, int metadataLength);
    }

    /** Visits every live vector whose record is intact with its metadata; returns how many failed their checksum. */
    public long scanEntries(Consumer<StoredVector> visitor) {
        return scanEntries((id, record, offset, length) -> true, visitor);
    }

    /**
     * Visits, with its metadata, every live vector whose record is intact and that {@code test}
     * accepts; the vector and metadata of an entry it refuses are not copied. Returns how many
     * records failed their checksum.
     */
    public long scanEntries(EntryTest test, Consumer<StoredVector> visitor) {
        long unreadable = 0;
        IdTable table = index.table();
        byte[] buffer = new byte[format.maxPlainRecordLength()];
        for (long p = 0; p < table.capacity(); p++) {
            if (table.hashAt(p) == 0 || table.deletedAt(p) || table.offsetAt(p) == ShardFormat.PLACEHOLDER_OFFSET) {
                continue;
            }
            int length = table.lengthAt(p);
            if (buffer.length < length) {
                buffer = new byte[length];
            }
            if (!intactRecord(table.positionAt(p), length, buffer)) {
                unreadable++;
                continue;
            }
            ByteBuffer b = ByteBuffer.wrap(buffer, 0, length).order(ByteOrder.LITTLE_ENDIAN);
            int payload = b.getInt(16);
            int idLength = Short.toUnsignedInt(b.getShort(6));
            String id = new String(buffer, ShardFormat.RECORD_HEADER + payload, idLength, StandardCharsets.UTF_8);
            int metadataStart = ShardFormat.metadataStart(buffer, length);
            int metadataLength = metadataStart < 0 ? 0 : b.getInt(metadataStart - Integer.BYTES);
            if (!test.accept(id, buffer, metadataStart, metadataLength)) {
                continue;
            }
            float[] vector = new float[format.dimension()];
            b.slice(ShardFormat.RECORD_HEADER, payload).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
            byte[] metadata = metadataStart < 0 ? null
                    : Arrays.copyOfRange(buffer, metadataStart, metadataStart + metadataLength);
            visitor.accept(new StoredVector(id, vector, metadata));
        }
        return unreadable;
    }

    /** Visits every live id of a table with its vector, in table order. */
    public static void scan(IdTable table, MappedFile file, ShardFormat format, BiConsumer<String, float[]> visitor) {
        scan(table, file, format, visitor, p -> true);
    }

    private interface EntryFilter {
        boolean accept(long entry);
    }

    private static void scan(IdTable table, MappedFile file, ShardFormat format, BiConsumer<String, float[]> visitor,
                             EntryFilter filter) {
        for (long p = 0; p < table.capacity(); p++) {
            if (table.hashAt(p) == 0 || table.deletedAt(p) || table.offsetAt(p) == ShardFormat.PLACEHOLDER_OFFSET
                    || !filter.accept(p)) {
                continue;
            }
            long position = table.positionAt(p);
            int idLength = file.getInt(position + 4) >>> 16;
            byte[] id = new byte[idLength];
            file.getBytes(position + ShardFormat.RECORD_HEADER + (long) format.dimension() * Float.BYTES, id, 0, idLength);
            float[] vector = new float[format.dimension()];
            file.getFloats(position + ShardFormat.RECORD_HEADER, vector);
            visitor.accept(new String(id, StandardCharsets.UTF_8), vector);
        }
    }

    /** Hands the view's private index to the caller (a compaction adopts it); the view must not be read afterwards. */
    ShardIndex detachIndex() {
        detached = true;
        return index;
    }

    @Override
    public void close() throws IOException {
        if (!detached) {
            index.close();
        }
        file.close();
    }
}
