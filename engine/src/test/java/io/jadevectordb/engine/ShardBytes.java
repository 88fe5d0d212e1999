package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A shard file's bytes, for tests that damage them on purpose and write them back. */
final class ShardBytes {

    final Path file;
    final byte[] bytes;
    final ByteBuffer b;

    private ShardBytes(Path file) throws IOException {
        this.file = file;
        this.bytes = Files.readAllBytes(file);
        this.b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static ShardBytes load(Path file) throws IOException {
        return new ShardBytes(file);
    }

    void save() throws IOException {
        Files.write(file, bytes);
    }

    int dimension() {
        return b.getInt(8);
    }

    int slotSize() {
        return b.getInt(16);
    }

    int capacity() {
        return b.getInt(20);
    }

    int dataOffset() {
        return (int) b.getLong(32);
    }

    int entryAt(int position) {
        return 4096 + position * 32;
    }

    long hash(int position) {
        return b.getLong(entryAt(position));
    }

    int slot(int position) {
        return b.getInt(entryAt(position) + 8);
    }

    int flags(int position) {
        return b.getInt(entryAt(position) + 12);
    }

    long offset(int position) {
        return b.getLong(entryAt(position) + 16);
    }

    int payloadCrc(int position) {
        return b.getInt(entryAt(position) + 24);
    }

    int slotAt(int slot) {
        return dataOffset() + slot * slotSize();
    }

    int idPosition(int slot) {
        return slotAt(slot) + dimension() * 4;
    }

    /** Table positions of every used entry. */
    List<Integer> occupied() {
        List<Integer> positions = new ArrayList<>();
        for (int p = 0; p < capacity(); p++) {
            if (hash(p) != 0) {
                positions.add(p);
            }
        }
        return positions;
    }

    /** Table position of the entry holding {@code id}. */
    int positionOf(String id) {
        long hash = ShardIndex.hash(ShardFormat.idBytes(id));
        for (int p : occupied()) {
            if (hash(p) == hash) {
                return p;
            }
        }
        throw new AssertionError("no entry for " + id);
    }

    /** Writes a whole entry with a correct entry checksum. */
    void writeEntry(int position, long hash, int slot, int flags, long offset, int payloadCrc) {
        int at = entryAt(position);
        b.putLong(at, hash).putInt(at + 8, slot).putInt(at + 12, flags).putLong(at + 16, offset).putInt(at + 24, payloadCrc);
        b.putInt(at + 28, ShardIndex.entryCrc(hash, slot, flags, offset, payloadCrc));
    }

    /** CRC32C of a slot's payload as stored. */
    int computePayloadCrc(int slot) {
        int idLength = Short.toUnsignedInt(b.getShort(idPosition(slot)));
        return ShardFormat.crc(bytes, slotAt(slot), dimension() * 4 + 2 + idLength);
    }

    /** Re-encodes a checkpoint copy with new contents and a correct checksum. */
    void writeCheckpoint(Checkpoint c) {
        byte[] encoded = c.encode();
        System.arraycopy(encoded, 0, bytes, c.headerOffset(), encoded.length);
    }
}
