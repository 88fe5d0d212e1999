package io.jadevectordb.engine;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.BiConsumer;

import io.jadevectordb.engine.io.MappedFile;

/**
 * A read-only, lock-free view of one shard file for tools, safe while a writer in another
 * process appends to it.
 *
 * <p>The file is mapped read-only at its current length and never locked, so a sink keeps
 * writing. Nothing read here is taken on trust: a writer may be halfway through an entry or a
 * vector, and a crashed file may hold torn writes. Each entry is copied once and checked
 * against its own checksum; each payload (vector, id length, id) is copied once and checked
 * against the entry's payload checksum, so a value is only used when the copy is exactly what
 * some whole write left. Only slots referenced by a whole entry and inside the mapping are
 * touched: the writer extends the file before it writes such an entry and never shrinks it
 * afterwards, so a read never falls past the end of the file.
 *
 * <p>The view is the file's latest state, which may include mutations applied after its last
 * checkpoint (not yet durable), as the writer's own reads would.
 */
final class ShardSnapshot implements Closeable {

    /** How many times a lookup is retried when the id's entry is being rewritten. */
    private static final int READ_ATTEMPTS = 3;

    /**
     * One index entry as copied from the file.
     *
     * @param crcValid the stored entry checksum matches the other 28 bytes
     * @param empty    all 32 bytes are zero
     */
    record Entry(int position, long hash, int slot, int flags, long sourceOffset, int payloadCrc, int storedCrc,
                 boolean crcValid, boolean empty) {

        boolean occupied() {
            return (flags & ShardIndex.FLAG_OCCUPIED) != 0;
        }

        boolean deleted() {
            return (flags & ShardIndex.FLAG_DELETED) != 0;
        }
    }

    /**
     * One slot's payload as copied from the file.
     *
     * @param idLength    the stored id length (not yet validated)
     * @param idLengthOk  1 .. max id bytes
     * @param computedCrc CRC32C of the copied payload (0 when the id length is out of range)
     */
    record Payload(float[] vector, byte[] id, int idLength, boolean idLengthOk, int computedCrc) {

        String idString() {
            return new String(id, StandardCharsets.UTF_8);
        }
    }

    private final String name;
    private final Shard shard;
    private final MappedFile file;
    private final ShardFormat format;
    private final ShardIndex index;
    private final long slotLimit;

    private ShardSnapshot(String name, Shard shard) {
        this.name = name;
        this.shard = shard;
        this.file = shard.file();
        this.format = shard.format();
        this.index = shard.index();
        this.slotLimit = Math.min(Integer.MAX_VALUE, format.slotCapacity(file.length()));
    }

    /** Maps a shard read-only; fails with {@link CorruptShardException} when its header cannot be read. */
    static ShardSnapshot open(String name, Path path, StoreOptions options) throws IOException {
        CorruptShardException failure = null;
        for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
            try {
                return new ShardSnapshot(name, Shard.openReadOnly(name, path, options));
            } catch (CorruptShardException e) {
                // Between mapping the file and reading its header, a writer may have extended it and
                // committed a checkpoint that covers more than was mapped: map again. Real damage repeats.
                failure = e;
            }
        }
        throw failure;
    }

    String name() {
        return name;
    }

    ShardFormat format() {
        return format;
    }

    ShardIndex index() {
        return index;
    }

    MappedFile file() {
        return file;
    }

    /** The checkpoint read when the view was opened. */
    Checkpoint checkpoint() {
        return shard.checkpoint();
    }

    /** Slots that lie wholly inside the mapping. */
    long slotLimit() {
        return slotLimit;
    }

    int capacity() {
        return index.capacity();
    }

    /** Copies the entry at a table position and checks its checksum. */
    Entry entryAt(int position) {
        byte[] raw = new byte[ShardIndex.ENTRY_SIZE];
        file.getBytes(ShardIndex.entryPosition(position), raw, 0, raw.length);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long hash = b.getLong(0);
        int slot = b.getInt(8);
        int flags = b.getInt(12);
        long offset = b.getLong(16);
        int payloadCrc = b.getInt(24);
        int stored = b.getInt(28);
        boolean empty = hash == 0 && slot == 0 && flags == 0 && offset == 0 && payloadCrc == 0 && stored == 0;
        boolean valid = stored == ShardIndex.entryCrc(hash, slot, flags, offset, payloadCrc);
        return new Entry(position, hash, slot, flags, offset, payloadCrc, stored, valid, empty);
    }

    /** True when the slot lies wholly inside the mapped file. */
    boolean slotInFile(int slot) {
        return slot >= 0 && slot < slotLimit;
    }

    /** Copies a slot's payload (the slot must be {@linkplain #slotInFile in the file}). */
    Payload payloadAt(int slot) {
        int vectorBytes = format.dimension() * Float.BYTES;
        byte[] raw = new byte[vectorBytes + 2 + format.maxIdBytes()];
        file.getBytes(format.slotPosition(slot), raw, 0, raw.length);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int idLength = Short.toUnsignedInt(b.getShort(vectorBytes));
        boolean lengthOk = idLength >= 1 && idLength <= format.maxIdBytes();
        int crc = lengthOk ? ShardFormat.crc(raw, 0, (int) format.payloadLength(idLength)) : 0;
        float[] vector = new float[format.dimension()];
        b.asFloatBuffer().get(vector);
        byte[] id = Arrays.copyOfRange(raw, vectorBytes + 2, vectorBytes + 2 + (lengthOk ? idLength : 0));
        return new Payload(vector, id, idLength, lengthOk, crc);
    }

    /** The payload of a live entry when entry and payload are whole, else null. */
    Payload livePayload(Entry e) {
        if (e.empty() || !e.crcValid() || !e.occupied() || e.deleted() || !slotInFile(e.slot())) {
            return null;
        }
        Payload p = payloadAt(e.slot());
        return p.idLengthOk() && p.computedCrc() == e.payloadCrc() ? p : null;
    }

    /**
     * The live vector of an id, or null when the shard does not hold it live.
     *
     * @throws CorruptShardException when an entry that may be the id's stays unreadable over
     *                               several attempts (torn by a crash, or damaged)
     */
    float[] get(byte[] id) throws CorruptShardException {
        long hash = ShardIndex.hash(id);
        int mask = index.capacity() - 1;
        int unreadable = -1;
        for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
            unreadable = -1;
            int position = (int) (hash & mask);
            for (int probes = 0; probes < index.capacity(); probes++, position = (position + 1) & mask) {
                Entry e = entryAt(position);
                if (e.empty()) {
                    break;
                }
                if (e.hash() != hash) {
                    continue;
                }
                if (!e.crcValid() || !e.occupied() || !slotInFile(e.slot())) {
                    unreadable = position;
                    continue;
                }
                Payload p = payloadAt(e.slot());
                if (!Arrays.equals(p.id(), id)) {
                    if (!e.deleted() && p.computedCrc() != e.payloadCrc()) {
                        unreadable = position; // a torn payload may hide the id
                    }
                    continue;
                }
                if (e.deleted()) {
                    return null;
                }
                if (p.computedCrc() == e.payloadCrc()) {
                    return p.vector();
                }
                unreadable = position;
            }
            if (unreadable < 0) {
                return null;
            }
        }
        throw new CorruptShardException("shard " + name + ": entry " + unreadable + ", which may hold id '"
                + DatabaseName.printable(new String(id, StandardCharsets.UTF_8)) + "', fails its checksums over "
                + READ_ATTEMPTS + " reads; a crash tore it (the next writer open recovers it and replay restores it) "
                + "or the file is damaged: verify the shard");
    }

    /**
     * Visits every readable live vector, in slot order (the order of the data region, so a
     * large file is read sequentially). Returns the number of entries skipped as unreadable
     * (torn, damaged, or being rewritten while read).
     */
    long scan(BiConsumer<String, float[]> visitor) {
        long[] bySlot = new long[64];
        int count = 0;
        long unreadable = 0;
        for (int p = 0; p < index.capacity(); p++) {
            Entry e = entryAt(p);
            if (e.empty() || (e.crcValid() && e.occupied() && e.deleted())) {
                continue;
            }
            if (!e.crcValid() || !e.occupied() || e.slot() < 0) {
                unreadable++;
                continue;
            }
            if (!slotInFile(e.slot())) {
                continue; // inserted after this view was mapped, into space the writer added since
            }
            if (count == bySlot.length) {
                bySlot = Arrays.copyOf(bySlot, count * 2);
            }
            bySlot[count++] = ((long) e.slot() << 32) | p;
        }
        Arrays.sort(bySlot, 0, count);
        for (int i = 0; i < count; i++) {
            // Re-read the entry: a writer may have rewritten or deleted it since the first pass.
            Entry e = entryAt((int) bySlot[i]);
            if (e.crcValid() && e.occupied() && e.deleted()) {
                continue;
            }
            Payload p = livePayload(e);
            if (p == null) {
                unreadable++;
                continue;
            }
            visitor.accept(p.idString(), p.vector());
        }
        return unreadable;
    }

    @Override
    public void close() {
        shard.releaseQuietly();
    }
}
