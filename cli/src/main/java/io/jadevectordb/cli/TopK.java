package io.jadevectordb.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The k best-scoring ids seen so far, in a bounded min-heap: memory stays O(k) however many
 * vectors a scan visits. Equal scores are ordered by id, so results are deterministic.
 */
final class TopK {

    /** One result: an id, its score (higher is better), its vector and its metadata (null: none). */
    record Hit(String id, double score, float[] vector, byte[] metadata) {
    }

    /** Worse first: lower score, then (for equal scores) the greater id. */
    private static final Comparator<Hit> WORSE_FIRST = Comparator.comparingDouble(Hit::score)
            .thenComparing(Hit::id, Comparator.reverseOrder());

    private final int k;
    private final PriorityQueue<Hit> heap;

    TopK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, was " + k);
        }
        this.k = k;
        this.heap = new PriorityQueue<>(Math.min(k, 1 << 16) + 1, WORSE_FIRST);
    }

    void offer(String id, double score, float[] vector) {
        offer(id, score, vector, null);
    }

    void offer(String id, double score, float[] vector, byte[] metadata) {
        if (Double.isNaN(score)) {
            return;
        }
        Hit hit = new Hit(id, score, vector, metadata);
        if (heap.size() < k) {
            heap.add(hit);
        } else if (WORSE_FIRST.compare(hit, heap.peek()) > 0) {
            heap.poll();
            heap.add(hit);
        }
    }

    /** Best first. */
    List<Hit> best() {
        List<Hit> hits = new ArrayList<>(heap);
        hits.sort(WORSE_FIRST.reversed());
        return hits;
    }
}
