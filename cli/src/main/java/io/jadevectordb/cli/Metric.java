package io.jadevectordb.cli;

/**
 * Similarity measures for brute-force search. Every measure is turned into a score where
 * higher is better ({@code l2} scores are negated distances), so one bounded heap serves all.
 *
 * <p>The inner loops are unrolled by eight with independent accumulators: floating-point
 * addition is not associative, so the JIT may not reorder a single running sum into SIMD
 * lanes, but it can keep eight independent sums in flight (and, for the element-wise products,
 * use vector instructions). No incubator module is needed.
 */
enum Metric {
    /** Cosine similarity: dot product of the normalised vectors, in [-1, 1]. */
    COSINE {
        @Override
        double score(float[] query, double queryNorm, float[] v) {
            double norm = Math.sqrt(dot(v, v));
            return norm == 0 || queryNorm == 0 ? 0 : dot(query, v) / (queryNorm * norm);
        }
    },
    /** Inner product. */
    DOT {
        @Override
        double score(float[] query, double queryNorm, float[] v) {
            return dot(query, v);
        }
    },
    /** Euclidean distance; the score is its negation, the printed value the distance. */
    L2 {
        @Override
        double score(float[] query, double queryNorm, float[] v) {
            return -Math.sqrt(squaredDistance(query, v));
        }

        @Override
        double display(double score) {
            return -score;
        }
    };

    /** Higher is better. {@code queryNorm} is {@code sqrt(dot(query, query))}, computed once per search. */
    abstract double score(float[] query, double queryNorm, float[] v);

    /** The value printed for a score: the similarity, or the distance for {@link #L2}. */
    double display(double score) {
        return score;
    }

    static double dot(float[] a, float[] b) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int n = a.length;
        int i = 0;
        for (; i <= n - 8; i += 8) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
            s4 += a[i + 4] * b[i + 4];
            s5 += a[i + 5] * b[i + 5];
            s6 += a[i + 6] * b[i + 6];
            s7 += a[i + 7] * b[i + 7];
        }
        float sum = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        for (; i < n; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    static double squaredDistance(float[] a, float[] b) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int n = a.length;
        int i = 0;
        for (; i <= n - 8; i += 8) {
            float d0 = a[i] - b[i];
            float d1 = a[i + 1] - b[i + 1];
            float d2 = a[i + 2] - b[i + 2];
            float d3 = a[i + 3] - b[i + 3];
            float d4 = a[i + 4] - b[i + 4];
            float d5 = a[i + 5] - b[i + 5];
            float d6 = a[i + 6] - b[i + 6];
            float d7 = a[i + 7] - b[i + 7];
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
            s4 += d4 * d4;
            s5 += d5 * d5;
            s6 += d6 * d6;
            s7 += d7 * d7;
        }
        float sum = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        for (; i < n; i++) {
            float d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }
}
