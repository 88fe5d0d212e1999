package io.jadevectordb.engine.v1;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import io.jadevectordb.engine.CorruptShardException;

/**
 * Reads a format 1 shard file for migration, without writing to it: its header page, then its
 * hash index entry by entry, each with the id and vector of the data slot it points at, judged
 * as the format 1 writer's crash recovery judged them. Reads go through the caller's channel,
 * which the caller opened (read-only is enough), holds the shard's writer lock for, and closes.
 *
 * <p>A file closed cleanly is trusted as it is: every occupied entry is {@link Kind#LIVE} or
 * {@link Kind#DELETED}. A file that was not closed cleanly was written in place after its last
 * checkpoint, so each entry gets the rules of format 1's recovery:
 * <ul>
 *   <li>an entry whose own checksum fails, that is not occupied, or that points at a slot at or
 *       past the checkpoint's slot count was a post-checkpoint insert: it is skipped
 *       ({@link #discarded()}; one with a bad checksum but a durable slot is also counted in
 *       {@link #suspect()}, possible media damage);</li>
 *   <li>an entry whose slot fails its payload checksum had its vector rewritten in place and the
 *       write was torn: {@link Kind#TORN}, source offset -1;</li>
 *   <li>a whole entry written after the checkpoint (offset above it), or one an earlier recovery
 *       marked torn (offset -1), has lost its committed vector: {@link Kind#UNCOMMITTED} or
 *       {@link Kind#TORN};</li>
 *   <li>everything else is committed: {@link Kind#LIVE} or {@link Kind#DELETED}.</li>
 * </ul>
 * Every length and position the file claims is checked against the file's size before it is
 * read or anything is allocated for it.
 */
public final class FormatOneReader {

    /** What an entry holds, for migration. */
    public enum Kind {
        /** A committed live id with its vector. */
        LIVE,
        /** A committed soft-deleted id. */
        DELETED,
        /** An id whose vector a crash tore (or an earlier recovery found torn): its committed vector is lost. */
        TORN,
        /** An id whole on disk but written after the last checkpoint, in place: its committed vector is lost. */
        UNCOMMITTED
    }

    /**
     * One id of the file.
     *
     * @param id           the id's bytes (UTF-8)
     * @param kind         what it holds
     * @param sourceOffset the source offset of the mutation that last wrote it (-1 when torn)
     * @param vector       the vector of a {@link Kind#LIVE} id, else null; reused by the next {@link #next()} call
     */
    public record Entry(byte[] id, Kind kind, long sourceOffset, float[] vector) {
    }

    private static final int FLAG_OCCUPIED = 1;
    private static final int FLAG_DELETED = 2;
    private static final int ENTRIES_PER_READ = 2048;

    private final String name;
    private final FileChannel channel;
    private final FormatOneHeader header;
    private final boolean crashed;
    private final ByteBuffer entries;
    private final ByteBuffer slot;
    private final float[] vector;
    private final CRC32C crc = new CRC32C();
    private int position;
    private long discarded;
    private long suspect;
    private int firstSuspect = -1;

    private FormatOneReader(String name, FileChannel channel, FormatOneHeader header) {
        this.name = name;
        this.channel = channel;
        this.header = header;
        this.crashed = !header.checkpoint().clean();
        this.entries = ByteBuffer.allocate(Math.min(header.indexCapacity(), ENTRIES_PER_READ) * FormatOneHeader.ENTRY_SIZE)
                .order(ByteOrder.LITTLE_ENDIAN);
        this.entries.limit(0);
        this.slot = ByteBuffer.allocate(header.slotSize()).order(ByteOrder.LITTLE_ENDIAN);
        this.vector = new float[header.dimension()];
    }

    /**
     * Reads and checks the header of the format 1 file open on {@code channel}.
     *
     * @param name {@code database/file}, for messages
     * @param file the file, for messages
     * @throws CorruptShardException when the header is invalid or the file shorter than its header and checkpoint claim
     */
    public static FormatOneReader open(String name, Path file, FileChannel channel) throws IOException {
        long length = channel.size();
        byte[] page = new byte[(int) Math.min(FormatOneHeader.PAGE_SIZE, length)];
        readFully(channel, ByteBuffer.wrap(page), 0, name);
        FormatOneHeader header = FormatOneHeader.decode(name, file, page, length);
        FormatOneHeader.Checkpoint c = header.checkpoint();
        if (c.slotCount() > header.slotsIn(length)) {
            throw new CorruptShardException("shard " + name + ": truncated data region (" + length + " bytes, checkpoint generation "
                    + c.generation() + " needs " + header.slotPosition(c.slotCount()) + "); restore the file from a backup or "
                    + "delete it and replay the source");
        }
        return new FormatOneReader(name, channel, header);
    }

    public FormatOneHeader header() {
        return header;
    }

    /** The next id of the file in index order, or null after the last. */
    public Entry next() throws IOException {
        while (position < header.indexCapacity()) {
            int p = position++;
            if (!entries.hasRemaining()) {
                int count = Math.min(ENTRIES_PER_READ, header.indexCapacity() - p);
                entries.clear().limit(count * FormatOneHeader.ENTRY_SIZE);
                readFully(channel, entries, FormatOneHeader.PAGE_SIZE + (long) p * FormatOneHeader.ENTRY_SIZE, name);
                entries.flip();
            }
            int at = entries.position();
            entries.position(at + FormatOneHeader.ENTRY_SIZE);
            Entry entry = judge(p, at);
            if (entry != null) {
                return entry;
            }
        }
        return null;
    }

    private Entry judge(int p, int at) throws IOException {
        long hash = entries.getLong(at);
        int slotNumber = entries.getInt(at + 8);
        int flags = entries.getInt(at + 12);
        long offset = entries.getLong(at + 16);
        int payloadCrc = entries.getInt(at + 24);
        if (hash == 0 && slotNumber == 0 && flags == 0 && offset == 0 && payloadCrc == 0 && entries.getInt(at + 28) == 0) {
            return null;
        }
        long slotCount = header.checkpoint().slotCount();
        boolean inRange = slotNumber >= 0 && slotNumber < slotCount;
        if (!crashed) {
            if (hash == 0 || (flags & FLAG_OCCUPIED) == 0) {
                return null;
            }
            if (!inRange) {
                throw new CorruptShardException("shard " + name + ": entry " + p + " points at slot " + slotNumber + " but the clean "
                        + "checkpoint holds " + slotCount + " slots; the file is damaged: restore it from a backup or delete it and replay"
                        + " the source");
            }
        } else {
            boolean entryValid = entries.getInt(at + 28) == FormatOneHeader.crc(entries.array(), at, 28);
            if (!entryValid || (flags & FLAG_OCCUPIED) == 0 || hash == 0 || !inRange) {
                if (!entryValid && inRange) {
                    // A torn insert is expected; a damaged entry of a durable slot is not (media corruption, or torn sectors).
                    suspect++;
                    firstSuspect = firstSuspect < 0 ? p : firstSuspect;
                }
                discarded++;
                return null;
            }
        }
        int idLength = readSlot(p, slotNumber);
        byte[] id = new byte[idLength];
        slot.get(header.dimension() * Float.BYTES + 2, id);
        boolean deleted = (flags & FLAG_DELETED) != 0;
        if (crashed) {
            crc.reset();
            crc.update(slot.array(), 0, header.dimension() * Float.BYTES + 2 + idLength);
            if ((int) crc.getValue() != payloadCrc) {
                return new Entry(id, Kind.TORN, -1, null);
            }
            if (offset < 0) {
                return new Entry(id, Kind.TORN, offset, null);
            }
            if (offset > header.checkpoint().sourceOffset()) {
                return new Entry(id, Kind.UNCOMMITTED, offset, null);
            }
        }
        if (deleted) {
            return new Entry(id, Kind.DELETED, offset, null);
        }
        slot.asFloatBuffer().get(vector);
        return new Entry(id, Kind.LIVE, offset, vector);
    }

    /** Reads data slot {@code slotNumber} (below the checkpoint's slot count, so inside the file) and returns its checked id length. */
    private int readSlot(int p, int slotNumber) throws IOException {
        slot.clear();
        readFully(channel, slot, header.slotPosition(slotNumber), name);
        slot.clear();
        int idLength = Short.toUnsignedInt(slot.getShort(header.dimension() * Float.BYTES));
        if (idLength == 0 || idLength > header.maxIdBytes()) {
            // Slots below the checkpointed slot count were durable at the checkpoint and ids are never rewritten.
            throw new CorruptShardException("shard " + name + ": entry " + p + " points at slot " + slotNumber
                    + " whose id length " + idLength + " is invalid although the slot is below the checkpointed "
                    + "high-water mark " + header.checkpoint().slotCount() + "; the file is damaged: restore it from a backup or "
                    + "delete it and replay the source");
        }
        return idLength;
    }

    /** Entries skipped so far as post-checkpoint inserts of a file not closed cleanly. */
    public long discarded() {
        return discarded;
    }

    /** Of {@link #discarded()}, those whose checksum failed although their slot was durable: possible media damage. */
    public long suspect() {
        return suspect;
    }

    /** Index position of the first {@link #suspect()} entry, or -1. */
    public int firstSuspect() {
        return firstSuspect;
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long at, String name) throws IOException {
        long position = at;
        while (into.hasRemaining()) {
            int n = channel.read(into, position);
            if (n < 0) {
                throw new EOFException("shard " + name + ": file ends at " + position + " while reading up to "
                        + (position + into.remaining()));
            }
            position += n;
        }
    }
}
