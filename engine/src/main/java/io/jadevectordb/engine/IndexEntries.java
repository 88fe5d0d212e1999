package io.jadevectordb.engine;

import java.io.IOException;
import java.util.Arrays;

/** A list of index entries held in parallel arrays, used to rebuild a table in a new file. */
final class IndexEntries {

    /** Entries held in memory at most while a table is written (bounds the heap of a rebuild). */
    private static final int FLUSH_EVERY = 16_384;

    private long[] hashes = new long[64];
    private int[] slots = new int[64];
    private int[] flags = new int[64];
    private long[] offsets = new long[64];
    private int[] crcs = new int[64];
    private int size;

    void add(long hash, int slot, int flag, long offset, int crc) {
        if (size == hashes.length) {
            int n = size * 2;
            hashes = Arrays.copyOf(hashes, n);
            slots = Arrays.copyOf(slots, n);
            flags = Arrays.copyOf(flags, n);
            offsets = Arrays.copyOf(offsets, n);
            crcs = Arrays.copyOf(crcs, n);
        }
        hashes[size] = hash;
        slots[size] = slot;
        flags[size] = flag;
        offsets[size] = offset;
        crcs[size] = crc;
        size++;
    }

    /** Every occupied entry of a table. */
    static IndexEntries of(ShardIndex index) {
        IndexEntries entries = new IndexEntries();
        for (int p = 0; p < index.capacity(); p++) {
            long hash = index.hashAt(p);
            if (hash != 0) {
                entries.add(hash, index.slotAt(p), index.flagsAt(p), index.offsetAt(p), index.payloadCrcAt(p));
            }
        }
        return entries;
    }

    int size() {
        return size;
    }

    long highestOffset() {
        long max = -1;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, offsets[i]);
        }
        return max;
    }

    long deletedCount() {
        long n = 0;
        for (int i = 0; i < size; i++) {
            if ((flags[i] & ShardIndex.FLAG_DELETED) != 0) {
                n++;
            }
        }
        return n;
    }

    /**
     * Writes every entry into an (empty) table, in the order of their home positions: then the
     * held entries of each flush lie close together and go out in a few large writes.
     */
    void writeTo(ShardIndex index) throws IOException {
        int mask = index.capacity() - 1;
        long[] order = new long[size];
        for (int i = 0; i < size; i++) {
            order[i] = ((hashes[i] & mask) << 32) | i;
        }
        Arrays.sort(order);
        for (long key : order) {
            int i = (int) key;
            index.write(index.insertionPosition(hashes[i]), hashes[i], slots[i], flags[i], offsets[i], crcs[i]);
            if (index.pendingCount() >= FLUSH_EVERY) {
                index.flush();
            }
        }
        index.flush();
    }

    /** Smallest power-of-two capacity that keeps these entries (plus one) under the load limit. */
    int capacityFor(int atLeast) {
        return Math.max(atLeast, ShardFormat.capacityFor(size));
    }
}
