package io.jadevectordb.engine;

import java.util.Arrays;

/**
 * Index entries written but not yet in the file, by table position: a map from {@code int}
 * position to the entry's 32 bytes, in flat arrays (no object per entry) that start small and
 * double, so a shard that takes a few writes costs a few hundred bytes. Not thread-safe: the
 * shard's lock guards it (reads under the read lock see no concurrent change).
 */
final class PendingEntries {

    private static final int ENTRY = ShardIndex.ENTRY_SIZE;

    /** Open-addressing table of position + 1 (0: free) and the entry number it maps to. */
    private int[] keys = new int[16];
    private int[] values = new int[16];
    /** Entry bytes and positions, in the order entries were first added. */
    private byte[] entries = new byte[8 * ENTRY];
    private int[] positions = new int[8];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Where the entry at {@code position} starts in {@link #bytes()}, or -1. */
    int find(int position) {
        int mask = keys.length - 1;
        int key = position + 1;
        for (int i = mix(position) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == key) {
                return values[i] * ENTRY;
            }
            if (k == 0) {
                return -1;
            }
        }
    }

    /** The entry bytes; an entry found by {@link #find} starts at the returned index. */
    byte[] bytes() {
        return entries;
    }

    /** Adds or replaces the entry at {@code position}. */
    void put(int position, byte[] entry) {
        int mask = keys.length - 1;
        int key = position + 1;
        int i = mix(position) & mask;
        while (keys[i] != 0) {
            if (keys[i] == key) {
                System.arraycopy(entry, 0, entries, values[i] * ENTRY, ENTRY);
                return;
            }
            i = (i + 1) & mask;
        }
        if (size == positions.length) {
            positions = Arrays.copyOf(positions, size * 2);
            entries = Arrays.copyOf(entries, size * 2 * ENTRY);
        }
        keys[i] = key;
        values[i] = size;
        positions[size] = position;
        System.arraycopy(entry, 0, entries, size * ENTRY, ENTRY);
        size++;
        if (size * 2 > keys.length) {
            rehash(keys.length * 2);
        }
    }

    /** The positions held, sorted. */
    int[] sortedPositions() {
        int[] sorted = Arrays.copyOf(positions, size);
        Arrays.sort(sorted);
        return sorted;
    }

    /** Forgets every entry, keeping the arrays for reuse unless they grew large. */
    void clear() {
        if (keys.length > 1 << 12) {
            keys = new int[16];
            values = new int[16];
            entries = new byte[8 * ENTRY];
            positions = new int[8];
        } else {
            Arrays.fill(keys, 0);
        }
        size = 0;
    }

    private void rehash(int capacity) {
        int[] newKeys = new int[capacity];
        int[] newValues = new int[capacity];
        int mask = capacity - 1;
        for (int n = 0; n < size; n++) {
            int i = mix(positions[n]) & mask;
            while (newKeys[i] != 0) {
                i = (i + 1) & mask;
            }
            newKeys[i] = positions[n] + 1;
            newValues[i] = n;
        }
        keys = newKeys;
        values = newValues;
    }

    private static int mix(int position) {
        int h = position * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
